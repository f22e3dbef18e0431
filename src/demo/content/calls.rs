//! The demo's twelve calls: which operator made each, when, in which language, and what each
//! of the two reviewers finds in the calls that get reviewed.

use super::{Language, step};
use crate::reviews::verdict::Verdict;

/// One verdict that differs from a plain `correct` (or a `correct` with praise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub step: usize,
    pub verdict: Verdict,
    pub comment: &'static str,
    /// Where in the call, in milliseconds.
    pub at_ms: i64,
}

const fn mark(step: usize, verdict: Verdict, at_ms: i64, comment: &'static str) -> Mark {
    Mark {
        step,
        verdict,
        comment,
        at_ms,
    }
}

use Verdict::{Correct, Incorrect, Missing};

/// A call of the demo: the file under `assets/demo/` and what is known about it.
#[derive(Debug, Clone, Copy)]
pub struct DemoCall {
    pub file: &'static str,
    /// Index into [`OPERATORS`](super::OPERATORS).
    pub operator: usize,
    pub language: Language,
    pub reviews_required: i32,
    /// How long ago the call took place (for dates on the owner's pages).
    pub days_ago: i64,
    pub hour: u8,
    pub customer_number: &'static str,
    /// What each of the two reviewers finds (every step not named is `correct`); `None`:
    /// the call is left for people trying the demo.
    pub reviews: Option<[&'static [Mark]; 2]>,
}

pub const CALLS: [DemoCall; 12] = [
    DemoCall {
        file: "01-ru-anna.mp3",
        operator: 0,
        language: Language::Ru,
        reviews_required: 2,
        days_ago: 19,
        hour: 10,
        customer_number: "+7 916 555-01-21",
        reviews: Some([
            &[mark(
                step::JOIN,
                Correct,
                17_544,
                "Хорошо присоединилась: «к праздникам хочется успеть».",
            )],
            &[mark(
                step::BRIEF,
                Correct,
                39_292,
                "Образцовая передача: имя, запрос, срок и источник.",
            )],
        ]),
    },
    DemoCall {
        file: "02-ru-anna.mp3",
        operator: 0,
        language: Language::Ru,
        reviews_required: 2,
        days_ago: 15,
        hour: 12,
        customer_number: "+7 903 555-17-40",
        reviews: Some([
            &[
                mark(
                    step::SOURCE,
                    Incorrect,
                    19_992,
                    "Не спросила, откуда клиент о нас узнал.",
                ),
                mark(
                    step::BRIEF,
                    Incorrect,
                    26_434,
                    "Дизайнеру не назвала ни имя клиента, ни источник.",
                ),
            ],
            &[
                mark(
                    step::GREETING,
                    Incorrect,
                    300,
                    "Приветствие скомканное, нет вопроса «Чем могу помочь?».",
                ),
                mark(
                    step::SOURCE,
                    Incorrect,
                    23_751,
                    "Источник не выяснен — сразу перевела.",
                ),
                mark(
                    step::BRIEF,
                    Incorrect,
                    26_434,
                    "Не передано имя и откуда пришёл клиент.",
                ),
            ],
        ]),
    },
    DemoCall {
        file: "03-ru-anna.mp3",
        operator: 0,
        language: Language::Ru,
        reviews_required: 2,
        days_ago: 9,
        hour: 15,
        customer_number: "+7 925 555-88-02",
        reviews: Some([
            &[mark(
                step::LISTEN,
                Missing,
                5_013,
                "Клиентка спросила про рассрочку — в скрипте нет ответа, оператор растерялась.",
            )],
            &[mark(
                step::LISTEN,
                Missing,
                8_200,
                "Вопрос о рассрочке: что отвечать? Нужна готовая фраза.",
            )],
        ]),
    },
    DemoCall {
        file: "04-ru-anna.mp3",
        operator: 0,
        language: Language::Ru,
        reviews_required: 2,
        days_ago: 1,
        hour: 11,
        customer_number: "+7 926 555-43-19",
        reviews: None,
    },
    DemoCall {
        file: "05-ru-boris.mp3",
        operator: 1,
        language: Language::Ru,
        reviews_required: 2,
        days_ago: 12,
        hour: 9,
        customer_number: "+7 701 555-60-33",
        reviews: Some([
            &[
                mark(
                    step::LISTEN,
                    Missing,
                    4_034,
                    "Клиент из Казахстана спрашивает о доставке за границу — скрипт не \
                     говорит, возим ли мы туда.",
                ),
                mark(
                    step::JOIN,
                    Incorrect,
                    9_790,
                    "Не присоединился, растерялся.",
                ),
                mark(
                    step::ANNOUNCE,
                    Incorrect,
                    13_382,
                    "Перевода не было: пообещал перезвонить.",
                ),
                mark(step::SOURCE, Incorrect, 13_382, "Источник не спросил."),
                mark(step::TRANSFER, Incorrect, 13_382, "Клиента не перевели."),
                mark(
                    step::BRIEF,
                    Incorrect,
                    16_585,
                    "Дизайнеру ничего не передано.",
                ),
            ],
            &[
                mark(
                    step::LISTEN,
                    Missing,
                    6_000,
                    "Нет ответа про доставку в другие страны.",
                ),
                mark(
                    step::JOIN,
                    Incorrect,
                    9_790,
                    "«Ой… хороший вопрос» звучит неуверенно.",
                ),
                mark(
                    step::ANNOUNCE,
                    Incorrect,
                    13_382,
                    "Клиента не перевели к дизайнеру.",
                ),
                mark(
                    step::SOURCE,
                    Incorrect,
                    13_382,
                    "Не узнал, откуда клиент о нас узнал.",
                ),
                mark(
                    step::TRANSFER,
                    Incorrect,
                    13_382,
                    "Вместо перевода — «перезвоню».",
                ),
                mark(step::BRIEF, Incorrect, 16_585, "Передачи не было."),
            ],
        ]),
    },
    DemoCall {
        file: "06-ru-boris.mp3",
        operator: 1,
        language: Language::Ru,
        reviews_required: 2,
        days_ago: 6,
        hour: 17,
        customer_number: "+7 915 555-29-64",
        reviews: Some([
            &[
                mark(
                    step::GREETING,
                    Incorrect,
                    300,
                    "«Да, Кухни Норд» — ни приветствия, ни предложения помощи.",
                ),
                mark(step::JOIN, Incorrect, 10_497, "Не присоединился к клиенту."),
                mark(
                    step::ANNOUNCE,
                    Incorrect,
                    10_497,
                    "Не объяснил, зачем переводит.",
                ),
                mark(
                    step::TRANSFER,
                    Incorrect,
                    17_831,
                    "«Ждите» — грубо, о паузе не предупредил.",
                ),
                mark(
                    step::BRIEF,
                    Incorrect,
                    19_002,
                    "Не передал имя клиента и источник.",
                ),
            ],
            &[
                mark(
                    step::GREETING,
                    Incorrect,
                    300,
                    "Не поздоровался и не назвал компанию полностью.",
                ),
                mark(step::JOIN, Incorrect, 10_497, "«Ясно» — это не участие."),
                mark(
                    step::ANNOUNCE,
                    Incorrect,
                    10_497,
                    "Клиент не знает, зачем его переводят.",
                ),
                mark(step::TRANSFER, Incorrect, 17_831, "Сухое «Ждите»."),
                mark(
                    step::BRIEF,
                    Incorrect,
                    19_002,
                    "Дизайнер узнал только метраж.",
                ),
            ],
        ]),
    },
    DemoCall {
        file: "07-ru-boris.mp3",
        operator: 1,
        language: Language::Ru,
        reviews_required: 2,
        days_ago: 0,
        hour: 10,
        customer_number: "+7 999 555-71-05",
        reviews: None,
    },
    DemoCall {
        file: "08-en-emily.mp3",
        operator: 2,
        language: Language::En,
        reviews_required: 2,
        days_ago: 17,
        hour: 14,
        customer_number: "+1 555 0142",
        reviews: Some([
            &[],
            &[mark(
                step::JOIN,
                Correct,
                16_246,
                "Nice empathy: 'ready for the family'.",
            )],
        ]),
    },
    DemoCall {
        file: "09-en-emily.mp3",
        operator: 2,
        language: Language::En,
        reviews_required: 2,
        days_ago: 8,
        hour: 13,
        customer_number: "+1 555 0187",
        reviews: Some([
            &[mark(
                step::LISTEN,
                Missing,
                4_198,
                "The customer asked about monthly instalments; the script has no answer.",
            )],
            &[mark(
                step::LISTEN,
                Missing,
                8_177,
                "No approved answer on instalments, so the operator hesitated.",
            )],
        ]),
    },
    DemoCall {
        file: "10-en-emily.mp3",
        operator: 2,
        language: Language::En,
        reviews_required: 2,
        days_ago: 3,
        hour: 16,
        customer_number: "+1 555 0119",
        reviews: Some([
            &[
                mark(
                    step::JOIN,
                    Incorrect,
                    10_242,
                    "No empathy, went straight to counting doors.",
                ),
                mark(
                    step::ANNOUNCE,
                    Incorrect,
                    12_018,
                    "Transferred without telling the customer why.",
                ),
                mark(
                    step::SOURCE,
                    Incorrect,
                    12_018,
                    "Did not ask how the customer heard about us.",
                ),
                mark(
                    step::TRANSFER,
                    Incorrect,
                    12_018,
                    "'Okay. Hold on.' is not a proper transfer.",
                ),
                mark(
                    step::BRIEF,
                    Incorrect,
                    14_446,
                    "No customer name or source for the designer.",
                ),
            ],
            &[
                mark(
                    step::JOIN,
                    Incorrect,
                    10_242,
                    "Skipped joining the customer.",
                ),
                mark(
                    step::ANNOUNCE,
                    Incorrect,
                    12_018,
                    "No transfer announcement.",
                ),
                mark(step::SOURCE, Incorrect, 12_018, "Source not asked."),
                mark(
                    step::TRANSFER,
                    Incorrect,
                    12_018,
                    "No warning about the pause.",
                ),
                mark(step::BRIEF, Incorrect, 14_446, "Brief too short."),
            ],
        ]),
    },
    DemoCall {
        file: "11-en-emily.mp3",
        operator: 2,
        language: Language::En,
        reviews_required: 2,
        days_ago: 1,
        hour: 9,
        customer_number: "+1 555 0163",
        reviews: None,
    },
    DemoCall {
        file: "12-en-emily.mp3",
        operator: 2,
        language: Language::En,
        reviews_required: 1,
        days_ago: 0,
        hour: 12,
        customer_number: "+1 555 0171",
        reviews: None,
    },
];

/// The call whose gaps the Russian script's version 2 resolves (instalments).
pub const RESOLVED_BY_VERSION_TWO: &str = "03-ru-anna.mp3";

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::demo::content::OPERATORS;
    use crate::reviews::consensus::{Outcome, step_outcome};

    fn verdicts(marks: &[Mark]) -> [Verdict; step::COUNT] {
        let mut all = [Correct; step::COUNT];
        for m in marks {
            all[m.step] = m.verdict;
        }
        all
    }

    #[test]
    fn the_plan_has_the_promised_variety() {
        let files: HashSet<_> = CALLS.iter().map(|c| c.file).collect();
        assert_eq!(files.len(), 12);
        let reviewed: Vec<_> = CALLS.iter().filter(|c| c.reviews.is_some()).collect();
        assert_eq!(reviewed.len(), 8, "about two thirds reviewed");
        assert!(reviewed.iter().all(|c| c.reviews_required == 2));
        for o in 0..OPERATORS.len() {
            assert!(CALLS.iter().any(|c| c.operator == o && c.reviews.is_none()));
            assert!(reviewed.iter().any(|c| c.operator == o));
        }
        let mut ties = 0;
        let mut missing = 0;
        for call in &reviewed {
            let [a, b] = call.reviews.unwrap();
            for m in a.iter().chain(b.iter()) {
                assert!(m.step < step::COUNT);
                if m.verdict != Correct {
                    assert!(!m.comment.trim().is_empty());
                }
                missing += usize::from(m.verdict == Missing);
            }
            let (a, b) = (verdicts(a), verdicts(b));
            for s in 0..step::COUNT {
                if step_outcome(&[a[s], b[s]]) == Some(Outcome::Split) {
                    ties += 1;
                }
            }
        }
        assert_eq!(ties, 1, "exactly one step where the reviewers disagree");
        assert!(missing >= 4);
        let resolved = CALLS
            .iter()
            .find(|c| c.file == RESOLVED_BY_VERSION_TWO)
            .unwrap();
        assert_eq!(resolved.language, Language::Ru);
        assert!(resolved.reviews.is_some());
    }

    #[test]
    fn every_planned_call_is_shipped() {
        for call in &CALLS {
            assert!(
                crate::demo::Audio::get(call.file).is_some(),
                "{} is embedded",
                call.file
            );
        }
    }
}
