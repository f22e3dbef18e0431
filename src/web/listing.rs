//! Long lists on owner pages: sortable column headers that are links (they work without
//! JavaScript and keep the filters in the URL) and a pager. The handler names the columns
//! and the current query; this module writes the links.

use serde::Serialize;

use crate::i18n::{Lang, MessageArgs};

/// A column header: its label, the link that sorts by it, and `aria-sort` when it is the
/// current order.
#[derive(Debug, Serialize)]
pub struct SortHeader {
    pub key: &'static str,
    pub label: String,
    /// `None` for a column that cannot be sorted.
    pub href: Option<String>,
    /// `ascending` / `descending` on the current column.
    pub sort: Option<&'static str>,
}

/// Where a list stands: the rows shown, the total and the links to the pages around.
#[derive(Debug, Serialize)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub from: i64,
    pub to: i64,
    pub total: i64,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// The link to `path` with `params` (blank ones left out) and `extra` over them.
pub fn link(path: &str, params: &[(&str, String)], extra: &[(&str, String)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        if value.trim().is_empty() || extra.iter().any(|(n, _)| n == name) {
            continue;
        }
        query.append_pair(name, value);
    }
    for (name, value) in extra {
        query.append_pair(name, value);
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// One sortable column: its query word, its message key, and whether a first click sorts it
/// largest first (times and numbers) or from A (names).
pub struct Column {
    pub key: &'static str,
    pub label_key: &'static str,
    pub sortable: bool,
    pub descending_first: bool,
}

/// The headers of a table sorted by `current` (`descending` or not). A click on the current
/// column turns its direction; on another column it sorts in that column's natural one. The
/// page number is dropped: a new order starts at the first page.
pub fn headers(
    lang: Lang,
    path: &str,
    params: &[(&str, String)],
    columns: &[Column],
    current: &str,
    descending: bool,
) -> Vec<SortHeader> {
    let params: Vec<(&str, String)> = params
        .iter()
        .filter(|(name, _)| !matches!(*name, "sort" | "dir" | "page"))
        .cloned()
        .collect();
    columns
        .iter()
        .map(|column| {
            let is_current = column.key == current;
            let next_descending = if is_current {
                !descending
            } else {
                column.descending_first
            };
            let dir = if next_descending { "desc" } else { "asc" };
            SortHeader {
                key: column.key,
                label: lang.translate(column.label_key),
                href: column.sortable.then(|| {
                    link(
                        path,
                        &params,
                        &[("sort", column.key.to_owned()), ("dir", dir.to_owned())],
                    )
                }),
                sort: (is_current && column.sortable).then_some(if descending {
                    "descending"
                } else {
                    "ascending"
                }),
            }
        })
        .collect()
}

/// The pager of page `page` (1-based) of `total` rows, `size` a page.
pub fn pager(path: &str, params: &[(&str, String)], page: i64, size: i64, total: i64) -> Pager {
    let pages = ((total + size - 1) / size).max(1);
    let page = page.clamp(1, pages);
    let to_page = |n: i64| link(path, params, &[("page", n.to_string())]);
    Pager {
        page,
        pages,
        from: if total == 0 { 0 } else { (page - 1) * size + 1 },
        to: (page * size).min(total),
        total,
        previous: (page > 1).then(|| to_page(page - 1)),
        next: (page < pages).then(|| to_page(page + 1)),
    }
}

impl Pager {
    /// "1–50 of 312" in `lang`.
    pub fn range_text(&self, lang: Lang) -> String {
        let mut args = MessageArgs::default();
        args.push("from", self.from);
        args.push("to", self.to);
        args.push("total", self.total);
        lang.translate_with("list-range", &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<Column> {
        vec![
            Column {
                key: "uploaded",
                label_key: "recordings-uploaded",
                sortable: true,
                descending_first: true,
            },
            Column {
                key: "operator",
                label_key: "field-operator",
                sortable: true,
                descending_first: false,
            },
        ]
    }

    #[test]
    fn headers_keep_filters_turn_the_current_column_and_start_at_page_one() {
        let params = [
            ("status", "ready".to_owned()),
            ("from", String::new()),
            ("page", "3".to_owned()),
            ("sort", "uploaded".to_owned()),
        ];
        let headers = headers(
            Lang::En,
            "/recordings",
            &params,
            &columns(),
            "uploaded",
            true,
        );
        assert_eq!(
            headers[0].href.as_deref(),
            Some("/recordings?status=ready&sort=uploaded&dir=asc")
        );
        assert_eq!(headers[0].sort, Some("descending"));
        assert_eq!(
            headers[1].href.as_deref(),
            Some("/recordings?status=ready&sort=operator&dir=asc")
        );
        assert_eq!(headers[1].sort, None);
    }

    #[test]
    fn the_pager_counts_rows_and_links_its_neighbours() {
        let params = [("status", "ready".to_owned()), ("page", "2".to_owned())];
        let pager = pager("/recordings", &params, 2, 50, 120);
        assert_eq!(
            (pager.page, pager.pages, pager.from, pager.to),
            (2, 3, 51, 100)
        );
        assert_eq!(
            pager.previous.as_deref(),
            Some("/recordings?status=ready&page=1")
        );
        assert_eq!(
            pager.next.as_deref(),
            Some("/recordings?status=ready&page=3")
        );
        assert_eq!(pager.range_text(Lang::En), "51–100 of 120");
        let empty = super::pager("/recordings", &[], 9, 50, 0);
        assert_eq!(
            (empty.page, empty.pages, empty.from, empty.to),
            (1, 1, 0, 0)
        );
        assert!(empty.previous.is_none() && empty.next.is_none());
        let last = super::pager("/recordings", &[], 7, 50, 120);
        assert_eq!((last.page, last.from, last.to), (3, 101, 120));
    }
}
