//! Moments as people read them, in the viewer's zone and language: `2 Dec, 15:04` this
//! year, `2 Dec 2025, 15:04` before it; a day alone as `2 Dec` / `2 Dec 2025`. Pages reach
//! it through the `when` template filter, handlers that build text directly call it.

use time::Date;

use crate::db::time::Timestamp;
use crate::i18n::{Lang, MessageArgs};
use crate::zone::Zone;

/// `12 Mar` / `12 мар`, with the year when it is not `this_year`.
pub fn day(lang: Lang, day: Date, this_year: i32) -> String {
    let month = lang.translate(&format!("month-short-{}", u8::from(day.month())));
    if day.year() == this_year {
        format!("{} {month}", day.day())
    } else {
        format!("{} {month} {}", day.day(), day.year())
    }
}

/// A stored instant as a local day and time (`2 Dec, 15:04`).
pub fn moment(lang: Lang, zone: &Zone, at: Timestamp) -> String {
    let local = zone.local(at);
    let mut args = MessageArgs::default();
    args.push("day", day(lang, local.date(), zone.today().year()));
    args.push("time", format!("{:02}:{:02}", local.hour(), local.minute()));
    lang.translate_with("when-moment", &args)
}

/// A stored instant's local day (`2 Dec`).
pub fn date(lang: Lang, zone: &Zone, at: Timestamp) -> String {
    day(lang, zone.local(at).date(), zone.today().year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn moments_read_in_the_zone_and_language() {
        let moscow = Zone::named("Europe/Moscow").unwrap();
        assert_eq!(
            moment(Lang::En, &moscow, datetime!(2019-03-12 21:30)),
            "13 Mar 2019, 00:30"
        );
        assert_eq!(
            moment(Lang::Ru, &Zone::utc(), datetime!(2019-12-02 09:05)),
            "2 дек 2019, 09:05"
        );
        let this_year = Zone::utc().today().year();
        assert_eq!(
            day(Lang::En, date!(2019 - 05 - 01), this_year),
            "1 May 2019"
        );
        let now = crate::db::time::now();
        assert!(!date(Lang::En, &Zone::utc(), now).contains(&this_year.to_string()));
    }
}
