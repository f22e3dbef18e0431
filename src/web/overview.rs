//! The owner's overview page (`/overview`): a period filter, the figures per operator with
//! their trend and a weekly sparkline, the heatmap of operators × steps and the open gaps per
//! step; and its CSV export (`/overview.csv`) of the per-operator figures.
//!
//! Everything the page shows is prepared here (percentages, the sparkline's SVG points, the
//! heatmap's colour classes and readable labels), so the template only lays it out.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::format::chart::{broken_line, coordinate};
use super::format::percent::{percent, points, with_range};
use super::format::when;
use super::page::Page;
use super::{FormErrors, PageBase};
use crate::dashboards::overview::aggregate::{Cell, WeekPoint};
use crate::dashboards::overview::kpi::Kpi;
use crate::dashboards::overview::{OperatorFigures, Overview, figures};
use crate::dashboards::period::{Period, day_text};
use crate::error::AppError;
use crate::http::AppState;
use crate::http::Owner;
use crate::http::query::PeriodQuery;
use crate::http::routes::{Access, RouteSink};
use crate::i18n::{Lang, MessageArgs};
use crate::zone::Zone;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/overview", Access::Owner, overview_page);
    r.add(Method::GET, "/overview.csv", Access::Owner, overview_csv);
}

// ---- formatting -----------------------------------------------------------------------------

fn translate(lang: Lang, key: &str, args: &[(&'static str, String)]) -> String {
    let mut message = MessageArgs::default();
    for (name, value) in args {
        message.push(*name, value);
    }
    lang.translate_with(key, &message)
}

/// The colour band of a heatmap cell; the number is always shown next to the colour.
fn heat_class(share: Option<f64>) -> &'static str {
    match share {
        None => "heat-none",
        Some(s) if s < 0.5 => "heat-0",
        Some(s) if s < 0.7 => "heat-1",
        Some(s) if s < 0.85 => "heat-2",
        Some(s) if s < 0.95 => "heat-3",
        Some(_) => "heat-4",
    }
}

#[derive(Serialize)]
struct LegendItem {
    class: &'static str,
    text: String,
}

/// The bands of the legend, low to high.
fn legend(lang: Lang) -> Vec<LegendItem> {
    let range = |from: &str, to: &str| {
        translate(
            lang,
            "overview-legend-range",
            &[("from", from.into()), ("to", to.into())],
        )
    };
    [
        (
            "heat-0",
            translate(lang, "overview-legend-below", &[("to", "50%".into())]),
        ),
        ("heat-1", range("50%", "69%")),
        ("heat-2", range("70%", "84%")),
        ("heat-3", range("85%", "94%")),
        (
            "heat-4",
            translate(lang, "overview-legend-above", &[("from", "95%".into())]),
        ),
        ("heat-none", lang.translate("overview-legend-none")),
    ]
    .into_iter()
    .map(|(class, text)| LegendItem { class, text })
    .collect()
}

// ---- the sparkline --------------------------------------------------------------------------

const SPARK_WIDTH: f64 = 112.0;
const SPARK_HEIGHT: f64 = 32.0;
const SPARK_PAD: f64 = 3.0;

#[derive(Debug, Serialize, PartialEq)]
struct Dot {
    x: String,
    y: String,
}

/// A weekly series drawn as inline SVG: runs of weeks with a score become polylines, every
/// scored week a dot; weeks without a score leave a gap.
#[derive(Debug, Serialize, PartialEq)]
struct Sparkline {
    width: f64,
    height: f64,
    /// `points` attributes, one per unbroken run of weeks.
    lines: Vec<String>,
    dots: Vec<Dot>,
    /// The last scored week, drawn stronger.
    last: Option<Dot>,
    /// The y of the 100% and 50% guides.
    top: String,
    middle: String,
    bottom: String,
    /// What a screen reader says instead of the picture.
    label: String,
}

fn sparkline(weeks: &[WeekPoint], lang: Lang) -> Sparkline {
    let inner_w = SPARK_WIDTH - 2.0 * SPARK_PAD;
    let inner_h = SPARK_HEIGHT - 2.0 * SPARK_PAD;
    let x = |i: usize| match weeks.len() {
        0 | 1 => SPARK_WIDTH / 2.0,
        n => SPARK_PAD + inner_w * i as f64 / (n - 1) as f64,
    };
    let y = |score: f64| SPARK_PAD + inner_h * (1.0 - score.clamp(0.0, 1.0));
    let points: Vec<Option<(f64, f64)>> = weeks
        .iter()
        .enumerate()
        .map(|(i, week)| week.average_score.map(|score| (x(i), y(score))))
        .collect();
    let lines = broken_line(points.iter().copied());
    let mut dots: Vec<Dot> = points
        .into_iter()
        .flatten()
        .map(|(x, y)| Dot {
            x: coordinate(x),
            y: coordinate(y),
        })
        .collect();
    let values: Vec<String> = weeks
        .iter()
        .map(|w| w.average_score.map_or_else(|| "—".to_owned(), percent))
        .collect();
    let label = translate(
        lang,
        "overview-sparkline-label",
        &[("values", values.join(", "))],
    );
    Sparkline {
        width: SPARK_WIDTH,
        height: SPARK_HEIGHT,
        lines,
        last: dots.pop(),
        dots,
        top: coordinate(y(1.0)),
        middle: coordinate(y(0.5)),
        bottom: coordinate(y(0.0)),
        label,
    }
}

// ---- the page -------------------------------------------------------------------------------

#[derive(Serialize)]
struct OperatorLine {
    name: String,
    /// The operator's calls of the period.
    href: String,
    external_id: Option<String>,
    active: bool,
    calls: usize,
    average: Option<String>,
    compliance: Option<String>,
    critical_failures: usize,
    correct: usize,
    incorrect: usize,
    missing: usize,
    split: usize,
    /// `up`, `down`, `flat`, or `none` without two periods to compare.
    trend: &'static str,
    /// The trend in words: "up from 70%", "no earlier reviews".
    trend_text: String,
    sparkline: Sparkline,
}

#[derive(Serialize)]
struct ColumnView {
    title: String,
    /// 1-based, within its script.
    number: usize,
}

/// The heatmap of one script: its steps as columns, the operators with calls on it as rows.
#[derive(Serialize)]
struct HeatTable {
    script_name: String,
    columns: Vec<ColumnView>,
    rows: Vec<HeatRow>,
}

#[derive(Serialize)]
struct CellView {
    class: &'static str,
    /// `87%`, or empty without data.
    percent: String,
    /// `13/15`: correct of judged.
    count: String,
    /// The cell in words, for its `title` and screen readers.
    text: String,
    /// The calls behind the cell: those with the step marked incorrect when there are any,
    /// else all graded on it.
    href: Option<String>,
}

#[derive(Serialize)]
struct HeatRow {
    name: String,
    /// The operator's calls of the period.
    href: String,
    cells: Vec<CellView>,
}

#[derive(Serialize)]
struct GapLine {
    script_name: String,
    title: String,
    open: i64,
    oldest: String,
    href: String,
}

#[derive(Serialize)]
struct PageData {
    from: String,
    to: String,
    /// The zone the days are counted in.
    zone: String,
    days: i64,
    calls: usize,
    average: Option<String>,
    /// The share of calls that did not fail on a critical step.
    compliance: Option<String>,
    critical_failures: usize,
    operator_count: usize,
    open_gaps: i64,
    operators: Vec<OperatorLine>,
    /// One heatmap per script (most installations have one).
    heatmaps: Vec<HeatTable>,
    several_scripts: bool,
    legend: Vec<LegendItem>,
    gaps: Vec<GapLine>,
    /// "130 of 300 (57 % saved)" when calls of the period had dynamic overlap.
    reviews_spent: Option<String>,
    /// Calls that arrived, were sampled and were reviewed, per operator.
    intake: Vec<crate::dashboards::overview::OperatorIntake>,
    intake_total: crate::dashboards::overview::Intake,
    /// Per script graded against two versions or more: its latest version's changes.
    version_changes: Vec<ChangeTable>,
}

/// A script's latest version against the versions before, step by step.
#[derive(Serialize)]
struct ChangeTable {
    script_name: String,
    href: String,
    version: i32,
    calls: i64,
    rows: Vec<ChangeRow>,
}

#[derive(Serialize)]
struct ChangeRow {
    title: String,
    before_version: i32,
    before_calls: i64,
    after_calls: i64,
    score_before: String,
    score_after: String,
    score_change: String,
    missing_before: String,
    missing_after: String,
    missing_change: String,
}

fn change_tables(changes: &[crate::dashboards::effect::VersionChange]) -> Vec<ChangeTable> {
    changes
        .iter()
        .map(|change| ChangeTable {
            script_name: change.script_name.clone(),
            href: format!("/scripts/{}#effect", change.script_id),
            version: change.version,
            calls: change.calls,
            rows: change
                .steps
                .iter()
                .map(|step| ChangeRow {
                    title: step.title.clone(),
                    before_version: step.before.version,
                    before_calls: step.before.calls,
                    after_calls: step.after.calls,
                    score_before: with_range(step.before.score),
                    score_after: with_range(step.after.score),
                    score_change: points(step.after.score_change),
                    missing_before: with_range(step.before.missing),
                    missing_after: with_range(step.after.missing),
                    missing_change: points(step.after.missing_change),
                })
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
struct Preset {
    days: i64,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct OverviewPage {
    #[serde(flatten)]
    base: PageBase,
    errors: FormErrors,
    /// What the form shows: the period's dates, or what was typed when it was refused.
    from: String,
    to: String,
    presets: Vec<Preset>,
    csv_href: String,
    /// Every answer of the period ([`super::answers`]).
    answers_href: String,
    /// The KPI files ([`super::kpi`]).
    kpi_query: String,
    data: Option<PageData>,
    kpi: Vec<KpiRow>,
}

/// A line of the KPI table: the figures the other tables do not show.
#[derive(Serialize)]
struct KpiRow {
    name: String,
    violations: usize,
    gaps: usize,
    disputes_won: usize,
    disputes_lost: usize,
    acknowledged: String,
}

fn kpi_rows(kpi: Kpi) -> Vec<KpiRow> {
    kpi.operators
        .into_iter()
        .filter(|line| line.figures.intake.reviewed > 0)
        .map(|line| KpiRow {
            name: line.name,
            violations: line.figures.lost_in_violation,
            gaps: line.figures.gaps_raised,
            disputes_won: line.figures.disputes_won,
            disputes_lost: line.figures.disputes_lost,
            acknowledged: line
                .figures
                .acknowledgement_rate
                .map(percent)
                .unwrap_or_else(|| "—".to_owned()),
        })
        .collect()
}

fn period_query(period: &Period) -> String {
    format!("from={}&to={}", day_text(period.from), day_text(period.to))
}

fn trend_text(line: &OperatorFigures, lang: Lang) -> (&'static str, String) {
    let before = line.tally.previous_average.map(percent).unwrap_or_default();
    match line.tally.trend {
        Some(trend) => (
            trend.as_str(),
            translate(
                lang,
                &format!("overview-trend-{}", trend.as_str()),
                &[("before", before)],
            ),
        ),
        None if line.tally.previous_calls > 0 => {
            ("none", lang.translate("overview-trend-unscored"))
        }
        None => ("none", lang.translate("overview-trend-none")),
    }
}

/// The recordings list narrowed to `pairs` and the calls that took place in `period`.
fn calls_href(period: &Period, pairs: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    query.append_pair("called_from", &day_text(period.from));
    query.append_pair("called_to", &day_text(period.to));
    format!("/recordings?{}", query.finish())
}

fn cell_view(cell: &Cell, href: Option<String>, lang: Lang) -> CellView {
    match cell.share {
        Some(share) => CellView {
            href,
            class: heat_class(Some(share)),
            percent: percent(share),
            count: format!("{}/{}", cell.correct, cell.judged()),
            text: translate(
                lang,
                "overview-cell",
                &[
                    ("percent", percent(share)),
                    ("correct", cell.correct.to_string()),
                    ("judged", cell.judged().to_string()),
                ],
            ),
        },
        None => CellView {
            href: None,
            class: heat_class(None),
            percent: String::new(),
            count: String::new(),
            text: lang.translate("overview-cell-empty"),
        },
    }
}

fn page_data(overview: Overview, lang: Lang, zone: &Zone) -> PageData {
    let this_year = zone.today().year();
    let period = &overview.period;
    let operators = overview
        .operators
        .iter()
        .map(|line| {
            let (trend, trend_text) = trend_text(line, lang);
            OperatorLine {
                href: calls_href(period, &[("operator_id", line.operator_id.as_str())]),
                name: line.name.clone(),
                external_id: line.external_id.clone(),
                active: line.active,
                calls: line.tally.calls,
                average: line.tally.average_score.map(percent),
                compliance: line.tally.compliance.map(percent),
                critical_failures: line.tally.critical_failures,
                correct: line.tally.correct,
                incorrect: line.tally.incorrect,
                missing: line.tally.missing,
                split: line.tally.split,
                trend,
                trend_text,
                sparkline: sparkline(&line.tally.weekly, lang),
            }
        })
        .collect();
    // Consecutive columns of one script make one table.
    let mut heatmaps: Vec<HeatTable> = Vec::new();
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    let all = &overview.heatmap.columns;
    for (index, column) in all.iter().enumerate() {
        let same = index > 0 && all[index - 1].script_id == column.script_id;
        if !same {
            heatmaps.push(HeatTable {
                script_name: column.script_name.clone(),
                columns: Vec::new(),
                rows: Vec::new(),
            });
            spans.push(index..index);
        }
        let (table, span) = (
            heatmaps.last_mut().expect("pushed above"),
            spans.last_mut().expect("pushed above"),
        );
        span.end = index + 1;
        table.columns.push(ColumnView {
            title: column.title.clone(),
            number: table.columns.len() + 1,
        });
    }
    for (table, span) in heatmaps.iter_mut().zip(&spans) {
        table.rows = overview
            .heatmap
            .rows
            .iter()
            .filter(|row| row.cells[span.clone()].iter().any(|c| c.graded() > 0))
            .map(|row| HeatRow {
                name: row.name.clone(),
                href: calls_href(period, &[("operator_id", row.operator_id.as_str())]),
                cells: row.cells[span.clone()]
                    .iter()
                    .zip(&all[span.clone()])
                    .map(|(cell, column)| {
                        let mut pairs = vec![
                            ("operator_id", row.operator_id.as_str()),
                            ("script_id", column.script_id.as_str()),
                            ("step_key", column.key.as_str()),
                        ];
                        if cell.incorrect > 0 {
                            pairs.push(("problem", "incorrect"));
                        }
                        cell_view(cell, Some(calls_href(period, &pairs)), lang)
                    })
                    .collect(),
            })
            .collect();
    }
    let gaps = overview
        .open_gaps
        .iter()
        .map(|g| {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("script_id", g.step.script_id.as_str())
                .append_pair("step_key", &g.step.key)
                .finish();
            GapLine {
                script_name: g.step.script_name.clone(),
                title: g.step.title.clone(),
                open: g.open,
                oldest: g
                    .oldest_at
                    .map(|at| when::date(lang, zone, at))
                    .unwrap_or_default(),
                href: format!("/gaps?{query}"),
            }
        })
        .collect();
    PageData {
        from: when::day(lang, overview.period.from, this_year),
        to: when::day(lang, overview.period.to, this_year),
        zone: zone.name().to_owned(),
        days: overview.period.days(),
        calls: overview.calls,
        average: overview.average_score.map(percent),
        compliance: overview.compliance.map(percent),
        critical_failures: overview.critical_failures,
        operator_count: overview.operators.len(),
        open_gaps: overview.open_gaps.iter().map(|g| g.open).sum(),
        operators,
        several_scripts: heatmaps.len() > 1,
        heatmaps,
        legend: legend(lang),
        gaps,
        intake: overview.intake.clone(),
        intake_total: overview.intake_total,
        version_changes: change_tables(&overview.version_changes),
        reviews_spent: overview.reviews.saved().map(|saved| {
            translate(
                lang,
                "overview-reviews-spent",
                &[
                    ("spent", overview.reviews.spent.to_string()),
                    ("maximum", overview.reviews.at_maximum.to_string()),
                    ("saved", percent(saved)),
                ],
            )
        }),
    }
}

fn presets(period: Option<&Period>, today: time::Date) -> Vec<Preset> {
    [7, 30, 90]
        .into_iter()
        .map(|days| {
            let preset = Period {
                from: today - time::Duration::days(days - 1),
                to: today,
            };
            Preset {
                days,
                href: format!("/overview?{}", period_query(&preset)),
                current: period == Some(&preset),
            }
        })
        .collect()
}

async fn overview_page(
    Owner(owner): Owner,
    page: Page,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let base = page.base();
    let today = owner.zone.today();
    match query.period(&owner.zone) {
        Ok(period) => {
            let overview = figures(&state.db, period, owner.zone.clone()).await?;
            let kpi = super::kpi::load(state, period, owner.zone.clone()).await?;
            let data = OverviewPage {
                base,
                errors: FormErrors::default(),
                from: day_text(period.from),
                to: day_text(period.to),
                presets: presets(Some(&period), today),
                csv_href: format!("/overview.csv?{}", period_query(&period)),
                answers_href: format!("/overview/answers.csv?{}", period_query(&period)),
                kpi_query: period_query(&period),
                data: Some(page_data(overview, page.lang, &owner.zone)),
                kpi: kpi_rows(kpi),
            };
            page.render("overview/index.html", StatusCode::OK, &data)
        }
        Err(error) => {
            let mut errors = FormErrors::from_error(&error, page.lang);
            // Both fields are dates: say which one is wrong.
            for field in &mut errors.fields {
                let label = match field.field.as_str() {
                    "from" => page.lang.translate("overview-field-from"),
                    "to" => page.lang.translate("overview-field-to"),
                    _ => continue,
                };
                field.message = format!("{label}: {}", field.message);
            }
            let data = OverviewPage {
                base,
                errors,
                from: query.from.clone().unwrap_or_default(),
                to: query.to.clone().unwrap_or_default(),
                presets: presets(None, today),
                csv_href: String::new(),
                answers_href: String::new(),
                kpi_query: String::new(),
                data: None,
                kpi: Vec::new(),
            };
            page.render("overview/index.html", error.status(), &data)
        }
    }
}

// ---- the CSV export ---------------------------------------------------------------------------

/// The per-operator figures as CSV (UTF-8 with a BOM, so spreadsheet programs read Cyrillic
/// right), headers in `page.lang`.
pub fn csv_bytes(overview: &Overview, lang: Lang) -> Result<Vec<u8>, AppError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let headers = [
            "overview-csv-operator",
            "overview-csv-external-id",
            "overview-csv-calls",
            "overview-csv-average",
            "overview-csv-correct",
            "overview-csv-incorrect",
            "overview-csv-missing",
            "overview-csv-split",
            "overview-csv-compliance",
            "overview-csv-critical-failures",
            "overview-csv-did-not-arise",
        ]
        .map(|key| lang.translate(key));
        writer.write_record(&headers).map_err(AppError::internal)?;
        for line in &overview.operators {
            writer
                .write_record([
                    line.name.clone(),
                    line.external_id.clone().unwrap_or_default(),
                    line.tally.calls.to_string(),
                    line.tally
                        .average_score
                        .map(|s| format!("{:.1}", s * 100.0))
                        .unwrap_or_default(),
                    line.tally.correct.to_string(),
                    line.tally.incorrect.to_string(),
                    line.tally.missing.to_string(),
                    line.tally.split.to_string(),
                    line.tally
                        .compliance
                        .map(|s| format!("{:.1}", s * 100.0))
                        .unwrap_or_default(),
                    line.tally.critical_failures.to_string(),
                    line.tally.did_not_arise.to_string(),
                ])
                .map_err(AppError::internal)?;
        }
        writer.flush().map_err(AppError::internal)?;
    }
    Ok(out)
}

async fn overview_csv(
    Owner(owner): Owner,
    lang: Lang,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.period(&owner.zone)?;
    let overview = figures(&state.db, period, owner.zone).await?;
    let body = csv_bytes(&overview, lang)?;
    let file = format!(
        "callqa-overview-{}-{}.csv",
        day_text(period.from),
        day_text(period.to)
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn week(score: Option<f64>) -> WeekPoint {
        WeekPoint {
            from: date!(2026 - 01 - 01),
            to: date!(2026 - 01 - 07),
            calls: usize::from(score.is_some()),
            average_score: score,
        }
    }

    #[test]
    fn a_sparkline_breaks_where_a_week_has_no_score() {
        let line = sparkline(
            &[
                week(Some(1.0)),
                week(Some(0.5)),
                week(None),
                week(Some(0.0)),
            ],
            Lang::En,
        );
        assert_eq!(line.lines, ["3.0,3.0 38.3,16.0"]);
        assert_eq!(line.dots.len(), 2);
        assert_eq!(
            line.last,
            Some(Dot {
                x: "109.0".into(),
                y: "29.0".into()
            })
        );
        assert!(line.label.contains("100%, 50%, —, 0%"), "{}", line.label);
    }

    #[test]
    fn heat_bands_and_percentages() {
        assert_eq!(heat_class(None), "heat-none");
        assert_eq!(heat_class(Some(0.49)), "heat-0");
        assert_eq!(heat_class(Some(0.5)), "heat-1");
        assert_eq!(heat_class(Some(0.84)), "heat-2");
        assert_eq!(heat_class(Some(0.9)), "heat-3");
        assert_eq!(heat_class(Some(1.0)), "heat-4");
        assert_eq!(percent(2.0 / 3.0), "67%");
    }
}
