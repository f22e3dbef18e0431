//! Files for the people who pay: a period's payout registry (one row per reviewer and
//! currency with something to pay: name, tax number, card or account, amount, currency,
//! purpose) and the ledger
//! (every entry), each as CSV and XLSX. The CSV follows the organization's locale so it opens
//! right in a spreadsheet there: `;` between fields and a decimal comma for Russian, `,` and
//! a point for English; UTF-8 with a BOM, CRLF line ends. Text cells that a spreadsheet would
//! run as a formula (starting with `=`, `+`, `-`, `@`) get a leading `'`.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::ledger::EntryView;
use super::money::format_minor;
use super::periods::{PayeeLine, PeriodDetail};
use super::{EntryKind, PaySettings};
use crate::i18n::Lang;
use crate::zone::Zone;

/// How numbers and fields are written for a locale.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub lang: Lang,
    pub separator: u8,
    pub decimal: char,
}

impl Style {
    pub fn of(lang: Lang) -> Style {
        match lang {
            Lang::Ru => Style {
                lang,
                separator: b';',
                decimal: ',',
            },
            Lang::En => Style {
                lang,
                separator: b',',
                decimal: '.',
            },
        }
    }

    /// A day as the locale writes it: `31.12.2026` or `2026-12-31`.
    pub fn day(&self, iso: &str) -> String {
        match (self.lang, iso.split('-').collect::<Vec<_>>().as_slice()) {
            (Lang::Ru, [y, m, d]) => format!("{d}.{m}.{y}"),
            _ => iso.to_owned(),
        }
    }

    fn amount(&self, minor: i64) -> String {
        format_minor(minor, self.decimal)
    }
}

/// A text cell that no spreadsheet runs as a formula.
pub fn text_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// The registry's purpose for one line: the template with the period's days (as the locale
/// writes them), its number and the reviewer's name.
fn purpose(template: &str, style: &Style, detail: &PeriodDetail, name: &str) -> String {
    template
        .replace("{from}", &style.day(&detail.period.from))
        .replace("{to}", &style.day(&detail.period.to))
        .replace("{period}", &detail.period.number.to_string())
        .replace("{name}", name)
}

fn registry_header(lang: Lang) -> Vec<String> {
    [
        "pay-col-name",
        "pay-col-inn",
        "pay-col-card",
        "pay-col-account",
        "pay-col-bik",
        "pay-col-amount",
        "pay-col-currency",
        "pay-col-purpose",
    ]
    .iter()
    .map(|key| lang.translate(key))
    .collect()
}

/// One registry line's cells: name, INN, card, account, BIK, (amount), currency, purpose.
fn registry_cells(
    line: &PayeeLine,
    template: &str,
    style: &Style,
    detail: &PeriodDetail,
) -> [String; 7] {
    let details = line.details.as_ref();
    let name = details.map_or(line.name.clone(), |d| d.full_name.clone());
    [
        text_cell(&name),
        details.map(|d| d.inn.clone()).unwrap_or_default(),
        details.and_then(|d| d.card.clone()).unwrap_or_default(),
        details.and_then(|d| d.account.clone()).unwrap_or_default(),
        details.and_then(|d| d.bik.clone()).unwrap_or_default(),
        line.currency.clone(),
        text_cell(&purpose(template, style, detail, &name)),
    ]
}

pub fn finish_csv(writer: csv::Writer<Vec<u8>>) -> std::io::Result<Vec<u8>> {
    let body = writer
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(body);
    Ok(out)
}

fn csv_writer(style: &Style) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(style.separator)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

/// The lines a payout service can pay: a positive amount (a period's total of nothing, such
/// as a review rejected in the period it was sent in, has no row).
fn payable(detail: &PeriodDetail) -> impl Iterator<Item = &PayeeLine> {
    detail.payees.iter().filter(|line| line.amount_minor > 0)
}

/// The period's payout registry as CSV in the settings' locale.
pub fn registry_csv(detail: &PeriodDetail, settings: &PaySettings) -> std::io::Result<Vec<u8>> {
    let style = Style::of(settings.lang());
    let template = settings.purpose_template();
    let mut writer = csv_writer(&style);
    writer.write_record(registry_header(style.lang))?;
    for line in payable(detail) {
        let [name, inn, card, account, bik, currency, purpose] =
            registry_cells(line, &template, &style, detail);
        writer.write_record([
            name,
            inn,
            card,
            account,
            bik,
            style.amount(line.amount_minor),
            currency,
            purpose,
        ])?;
    }
    finish_csv(writer)
}

pub fn xlsx_error(error: XlsxError) -> std::io::Error {
    std::io::Error::other(error.to_string())
}

/// The period's payout registry as an XLSX workbook: numbers as numbers (two decimals),
/// the tax number and the card or account as text so no digit is lost.
pub fn registry_xlsx(detail: &PeriodDetail, settings: &PaySettings) -> std::io::Result<Vec<u8>> {
    let style = Style::of(settings.lang());
    let template = settings.purpose_template();
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(style.lang.translate("pay-sheet-registry"))
        .map_err(xlsx_error)?;
    for (col, title) in registry_header(style.lang).iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(0);
        sheet
            .write_string_with_format(0, col, title, &bold)
            .map_err(xlsx_error)?;
    }
    for (index, line) in payable(detail).enumerate() {
        let row = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let [name, inn, card, account, bik, currency, purpose] =
            registry_cells(line, &template, &style, detail);
        for (col, text) in [(0, name), (1, inn), (2, card), (3, account), (4, bik)] {
            sheet.write_string(row, col, text).map_err(xlsx_error)?;
        }
        sheet
            .write_number_with_format(row, 5, line.amount_minor as f64 / 100.0, &money)
            .map_err(xlsx_error)?;
        sheet.write_string(row, 6, currency).map_err(xlsx_error)?;
        sheet.write_string(row, 7, purpose).map_err(xlsx_error)?;
    }
    for (col, width) in [
        (0, 32.0),
        (1, 14.0),
        (2, 20.0),
        (3, 24.0),
        (4, 11.0),
        (5, 12.0),
        (6, 8.0),
        (7, 60.0),
    ] {
        sheet.set_column_width(col, width).map_err(xlsx_error)?;
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn ledger_header(lang: Lang) -> Vec<String> {
    [
        "pay-col-entry",
        "pay-col-date",
        "pay-col-reviewer",
        "pay-col-kind",
        "pay-col-call",
        "pay-col-amount",
        "pay-col-currency",
        "pay-col-reason",
        "pay-col-period",
        "pay-col-held",
    ]
    .iter()
    .map(|key| lang.translate(key))
    .collect()
}

/// An entry's kind in the locale's words.
pub fn kind_label(lang: Lang, kind: EntryKind) -> String {
    lang.translate(&format!("pay-kind-{}", kind.as_str()))
}

fn ledger_cells(entry: &EntryView, style: &Style, zone: &Zone) -> [String; 9] {
    let local = zone.local(entry.created_at);
    let day = style.day(&crate::dashboards::period::day_text(local.date()));
    let held = if entry.on_hold() {
        style.lang.translate("pay-held-yes")
    } else {
        String::new()
    };
    [
        entry.id.to_string(),
        format!("{day} {:02}:{:02}", local.hour(), local.minute()),
        text_cell(&entry.reviewer_name),
        kind_label(style.lang, entry.kind),
        entry.call_code.clone().unwrap_or_default(),
        entry.currency.clone(),
        text_cell(entry.reason.as_deref().unwrap_or_default()),
        entry
            .period_number
            .map(|n| n.to_string())
            .unwrap_or_default(),
        held,
    ]
}

/// Every entry given (newest first) as CSV in the settings' locale, times in `zone`.
pub fn ledger_csv(
    entries: &[EntryView],
    settings: &PaySettings,
    zone: &Zone,
) -> std::io::Result<Vec<u8>> {
    let style = Style::of(settings.lang());
    let mut writer = csv_writer(&style);
    writer.write_record(ledger_header(style.lang))?;
    for entry in entries {
        let [id, at, reviewer, kind, call, currency, reason, period, held] =
            ledger_cells(entry, &style, zone);
        writer.write_record([
            id,
            at,
            reviewer,
            kind,
            call,
            style.amount(entry.amount_minor),
            currency,
            reason,
            period,
            held,
        ])?;
    }
    finish_csv(writer)
}

/// The same entries as an XLSX workbook.
pub fn ledger_xlsx(
    entries: &[EntryView],
    settings: &PaySettings,
    zone: &Zone,
) -> std::io::Result<Vec<u8>> {
    let style = Style::of(settings.lang());
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(style.lang.translate("pay-sheet-ledger"))
        .map_err(xlsx_error)?;
    for (col, title) in ledger_header(style.lang).iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(0);
        sheet
            .write_string_with_format(0, col, title, &bold)
            .map_err(xlsx_error)?;
    }
    for (index, entry) in entries.iter().enumerate() {
        let row = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let [id, at, reviewer, kind, call, currency, reason, period, held] =
            ledger_cells(entry, &style, zone);
        for (col, text) in [(0, id), (1, at), (2, reviewer), (3, kind), (4, call)] {
            sheet.write_string(row, col, text).map_err(xlsx_error)?;
        }
        sheet
            .write_number_with_format(row, 5, entry.amount_minor as f64 / 100.0, &money)
            .map_err(xlsx_error)?;
        for (col, text) in [(6, currency), (7, reason), (8, period), (9, held)] {
            sheet.write_string(row, col, text).map_err(xlsx_error)?;
        }
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}
