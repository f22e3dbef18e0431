//! The KPI of a period as files for pay: CSV in the asker's locale (as the pay files:
//! `;` and a decimal comma for Russian, UTF-8 with a BOM, CRLF) and XLSX with one sheet per
//! table (the operators; the script versions graded). Each table starts with a row that
//! names the period and the script versions, then the column names; the operators' table
//! ends with the total over all operators. Shares are percentages with one decimal in the
//! CSV and numbers formatted as percentages in the workbook; an empty cell means "no calls
//! to measure".

use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::kpi::{Kpi, KpiFigures};
use crate::dashboards::period::day_text;
use crate::i18n::{Lang, MessageArgs};
use crate::pay::export::{Style, finish_csv, text_cell, xlsx_error};

const COLUMNS: [&str; 13] = [
    "kpi-col-operator",
    "kpi-col-arrived",
    "kpi-col-sampled",
    "kpi-col-reviewed",
    "kpi-col-score",
    "kpi-col-compliance",
    "kpi-col-critical",
    "kpi-col-violations",
    "kpi-col-gaps",
    "kpi-col-disputes-won",
    "kpi-col-disputes-lost",
    "kpi-col-acknowledged",
    "kpi-col-ack-rate",
];

const VERSION_COLUMNS: [&str; 3] = ["kpi-col-script", "kpi-col-version", "kpi-col-reviewed"];

/// A cell of a table: a count, a share (0–1) or text.
enum Cell {
    Count(usize),
    Share(Option<f64>),
    Text(String),
}

/// "Period 2026-11-01 – 2026-11-30 · script versions: Inbound v1, v2".
pub fn title(kpi: &Kpi, lang: Lang) -> String {
    let style = Style::of(lang);
    let mut scripts: Vec<(String, Vec<String>)> = Vec::new();
    for used in &kpi.versions {
        let version = format!("v{}", used.version);
        match scripts.last_mut() {
            Some((name, versions)) if *name == used.script_name => versions.push(version),
            _ => scripts.push((used.script_name.clone(), vec![version])),
        }
    }
    let versions = if scripts.is_empty() {
        lang.translate("kpi-no-versions")
    } else {
        scripts
            .iter()
            .map(|(name, versions)| format!("{name} {}", versions.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut args = MessageArgs::default();
    args.push("from", style.day(&day_text(kpi.period.from)));
    args.push("to", style.day(&day_text(kpi.period.to)));
    args.push("versions", versions);
    lang.translate_with("kpi-title", &args)
}

fn figures_cells(name: String, f: &KpiFigures) -> Vec<Cell> {
    vec![
        Cell::Text(name),
        Cell::Count(f.intake.arrived.max(0) as usize),
        Cell::Count(f.intake.sampled.max(0) as usize),
        Cell::Count(f.intake.reviewed.max(0) as usize),
        Cell::Share(f.average_score),
        Cell::Share(f.compliance),
        Cell::Count(f.critical_failures),
        Cell::Count(f.lost_in_violation),
        Cell::Count(f.gaps_raised),
        Cell::Count(f.disputes_won),
        Cell::Count(f.disputes_lost),
        Cell::Count(f.acknowledged),
        Cell::Share(f.acknowledgement_rate),
    ]
}

/// The operators' table, then the total.
fn operator_rows(kpi: &Kpi, lang: Lang) -> Vec<Vec<Cell>> {
    kpi.operators
        .iter()
        .map(|line| figures_cells(line.name.clone(), &line.figures))
        .chain(std::iter::once(figures_cells(
            lang.translate("kpi-total"),
            &kpi.total,
        )))
        .collect()
}

fn version_rows(kpi: &Kpi) -> Vec<Vec<Cell>> {
    kpi.versions
        .iter()
        .map(|v| {
            vec![
                Cell::Text(v.script_name.clone()),
                Cell::Count(v.version.max(0) as usize),
                Cell::Count(v.calls),
            ]
        })
        .collect()
}

/// A share as a percentage with one decimal in the locale's way: `87.5` or `87,5`.
fn percent(style: &Style, share: f64) -> String {
    format!("{:.1}", share * 100.0).replace('.', &style.decimal.to_string())
}

/// The operators' table as CSV in `lang`'s locale.
pub fn csv(kpi: &Kpi, lang: Lang) -> std::io::Result<Vec<u8>> {
    let style = Style::of(lang);
    // The title row has one field, the table's rows more.
    let mut writer = csv::WriterBuilder::new()
        .delimiter(style.separator)
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    writer.write_record([text_cell(&title(kpi, lang))])?;
    writer.write_record(COLUMNS.map(|key| lang.translate(key)))?;
    for row in operator_rows(kpi, lang) {
        writer.write_record(row.iter().map(|cell| match cell {
            Cell::Count(n) => n.to_string(),
            Cell::Share(share) => share.map(|s| percent(&style, s)).unwrap_or_default(),
            Cell::Text(text) => text_cell(text),
        }))?;
    }
    finish_csv(writer)
}

fn write_table(
    sheet: &mut Worksheet,
    title: &str,
    columns: &[String],
    rows: &[Vec<Cell>],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let bold = Format::new().set_bold();
    let share = Format::new().set_num_format("0.0%");
    sheet.write_string_with_format(0, 0, title, &bold)?;
    for (col, name) in columns.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(1, col, name, &bold)?;
        sheet.set_column_width(col, if col == 0 { 28.0 } else { 14.0 })?;
    }
    for (index, row) in rows.iter().enumerate() {
        let line = u32::try_from(index + 2).unwrap_or(u32::MAX);
        for (col, cell) in row.iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            match cell {
                Cell::Count(n) => {
                    sheet.write_number(line, col, *n as f64)?;
                }
                Cell::Share(Some(s)) => {
                    sheet.write_number_with_format(line, col, *s, &share)?;
                }
                Cell::Share(None) => {}
                Cell::Text(text) => {
                    sheet.write_string(line, col, text)?;
                }
            }
        }
    }
    Ok(())
}

/// Both tables as an XLSX workbook, a sheet each.
pub fn xlsx(kpi: &Kpi, lang: Lang) -> std::io::Result<Vec<u8>> {
    let title = title(kpi, lang);
    let mut workbook = Workbook::new();
    let tables = [
        (
            "kpi-sheet-operators",
            COLUMNS.map(|k| lang.translate(k)).to_vec(),
            operator_rows(kpi, lang),
        ),
        (
            "kpi-sheet-versions",
            VERSION_COLUMNS.map(|k| lang.translate(k)).to_vec(),
            version_rows(kpi),
        ),
    ];
    for (name, columns, rows) in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(lang.translate(name)).map_err(xlsx_error)?;
        write_table(sheet, &title, &columns, &rows).map_err(xlsx_error)?;
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}
