//! The SVG charts' shared geometry: coordinates written with one decimal, and a line over
//! weeks that breaks where a week has no value instead of bridging the gap.

/// An SVG coordinate.
pub fn coordinate(value: f64) -> String {
    format!("{value:.1}")
}

/// The polylines (`points` attributes) through `points`, a new one after every `None`; a
/// lone point between gaps draws no line (the chart's dot shows it).
pub fn broken_line(points: impl IntoIterator<Item = Option<(f64, f64)>>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for point in points {
        match point {
            Some((x, y)) => run.push(format!("{},{}", coordinate(x), coordinate(y))),
            None => {
                if run.len() > 1 {
                    lines.push(run.join(" "));
                }
                run.clear();
            }
        }
    }
    if run.len() > 1 {
        lines.push(run.join(" "));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::broken_line;

    #[test]
    fn lines_break_at_gaps_and_skip_lone_points() {
        let line = broken_line([
            Some((0.0, 1.0)),
            Some((1.0, 2.26)),
            None,
            Some((3.0, 0.0)),
            None,
            Some((5.0, 1.0)),
            Some((6.0, 1.0)),
        ]);
        assert_eq!(line, ["0.0,1.0 1.0,2.3", "5.0,1.0 6.0,1.0"]);
        assert!(broken_line([None, Some((1.0, 1.0))]).is_empty());
    }
}
