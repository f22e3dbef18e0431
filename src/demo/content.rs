//! What the demo is made of: the accounts, the operators, the inbound script in Russian and
//! English, and the twelve calls with the reviews some of them get. Plain data, so the plan
//! can be checked by unit tests before anything touches a database.

use crate::accounts::Role;
use crate::reviews::validate::Verdict;
use crate::scripts::validate::StepInput;

/// A demo login with its fixed, printed password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoAccount {
    pub role: Role,
    pub login: &'static str,
    pub name: &'static str,
    pub password: &'static str,
}

pub const OWNER: DemoAccount = DemoAccount {
    role: Role::Owner,
    login: "owner",
    name: "Ольга Петрова",
    password: "demo-owner",
};

/// The two reviewers, in the order their reviews are planned below.
pub const REVIEWERS: [DemoAccount; 2] = [
    DemoAccount {
        role: Role::Reviewer,
        login: "reviewer1",
        name: "Reviewer Ivan",
        password: "demo-reviewer1",
    },
    DemoAccount {
        role: Role::Reviewer,
        login: "reviewer2",
        name: "Reviewer Kate",
        password: "demo-reviewer2",
    },
];

/// The operator login; it is linked to [`OPERATORS`]`[`[`LINKED_OPERATOR`]`]`.
pub const OPERATOR: DemoAccount = DemoAccount {
    role: Role::Operator,
    login: "operator",
    name: "Анна Смирнова",
    password: "demo-operator",
};

/// Every demo login, in the order they are printed.
pub fn accounts() -> [DemoAccount; 4] {
    [OWNER, REVIEWERS[0], REVIEWERS[1], OPERATOR]
}

/// An operator record: name and extension number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOperator {
    pub name: &'static str,
    pub extension: &'static str,
}

pub const OPERATORS: [DemoOperator; 3] = [
    DemoOperator {
        name: "Анна Смирнова",
        extension: "201",
    },
    DemoOperator {
        name: "Борис Ковалёв",
        extension: "202",
    },
    DemoOperator {
        name: "Emily Carter",
        extension: "203",
    },
];

/// The operator record the operator login belongs to.
pub const LINKED_OPERATOR: usize = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Ru,
    En,
}

/// One step of the inbound script as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepText {
    pub title: &'static str,
    pub say: &'static str,
    pub guidance: &'static str,
}

impl StepText {
    pub fn input(&self) -> StepInput {
        StepInput {
            key: None,
            title: self.title.to_owned(),
            say: Some(self.say.to_owned()),
            guidance: Some(self.guidance.to_owned()),
        }
    }
}

/// The inbound script's steps, in order (positions are referred to by the review plans).
pub mod step {
    pub const GREETING: usize = 0;
    pub const LISTEN: usize = 1;
    pub const JOIN: usize = 2;
    pub const ANNOUNCE: usize = 3;
    pub const SOURCE: usize = 4;
    pub const TRANSFER: usize = 5;
    pub const BRIEF: usize = 6;
    pub const COUNT: usize = 7;
}

pub fn script_name(language: Language) -> &'static str {
    match language {
        Language::Ru => "Входящий звонок: запрос на кухню",
        Language::En => "Inbound call: kitchen enquiry",
    }
}

const RU_STEPS: [StepText; step::COUNT] = [
    StepText {
        title: "Приветствие",
        say: "Компания «Кухни Норд», здравствуйте! Чем могу помочь?",
        guidance: "Поздоровайтесь в первые три секунды, спокойно и без спешки. Назовите \
                   компанию и предложите помощь.",
    },
    StepText {
        title: "Выслушать запрос",
        say: "Расскажите, пожалуйста, что вы ищете?",
        guidance: "Не перебивайте. Задайте один уточняющий вопрос: размер помещения, срок или \
                   бюджет.",
    },
    StepText {
        title: "Присоединиться к клиенту",
        say: "Понимаю вас, это важная покупка, и мы поможем с выбором.",
        guidance: "Покажите, что услышали клиента: повторите его запрос своими словами.",
    },
    StepText {
        title: "Анонсировать перевод",
        say: "Сейчас я соединю вас с дизайнером — он рассчитает проект под ваши размеры.",
        guidance: "Объясните, зачем перевод и что клиент получит. Не переводите молча.",
    },
    StepText {
        title: "Узнать источник",
        say: "Подскажите, откуда вы о нас узнали?",
        guidance: "Спросите до перевода и запишите ответ в карточку клиента.",
    },
    StepText {
        title: "Перевести звонок",
        say: "Соединяю, оставайтесь, пожалуйста, на линии.",
        guidance: "Предупредите о паузе. Если дизайнер не отвечает дольше 30 секунд, \
                   вернитесь к клиенту и предложите обратный звонок.",
    },
    StepText {
        title: "Передать информацию продавцу",
        say: "Игорь, на линии клиент: имя, запрос, откуда узнал.",
        guidance: "Кратко передайте дизайнеру имя клиента, запрос и источник, чтобы клиенту \
                   не пришлось повторять.",
    },
];

const EN_STEPS: [StepText; step::COUNT] = [
    StepText {
        title: "Greeting",
        say: "Nord Kitchens, good morning! How can I help you?",
        guidance: "Greet within the first three seconds, calmly and without rushing. Name the \
                   company and offer help.",
    },
    StepText {
        title: "Listen to the request",
        say: "Please tell me what you are looking for.",
        guidance: "Do not interrupt. Ask one clarifying question: the size of the room, the \
                   date or the budget.",
    },
    StepText {
        title: "Join the customer",
        say: "I understand, it's an important purchase, and we'll help you choose.",
        guidance: "Show that you heard the customer: repeat their request in your own words.",
    },
    StepText {
        title: "Announce the transfer",
        say: "I'll connect you with a designer who will plan the kitchen for your room.",
        guidance: "Say why you transfer and what the customer gets. Never transfer silently.",
    },
    StepText {
        title: "Ask where they heard about us",
        say: "May I ask how you heard about us?",
        guidance: "Ask before the transfer and note the answer in the customer's card.",
    },
    StepText {
        title: "Transfer the call",
        say: "Connecting you now, please stay on the line.",
        guidance: "Warn about the pause. If the designer does not answer within 30 seconds, \
                   go back to the customer and offer a call-back.",
    },
    StepText {
        title: "Brief the seller",
        say: "Mark, I have a customer on the line: name, request, how they found us.",
        guidance: "Give the designer the customer's name, request and source in one breath, \
                   so the customer need not repeat themselves.",
    },
];

pub fn script_steps(language: Language) -> &'static [StepText; step::COUNT] {
    match language {
        Language::Ru => &RU_STEPS,
        Language::En => &EN_STEPS,
    }
}

/// Version 2 of the Russian script: the listening step learns the answer about instalments
/// (the gap the first reviews found), and the source question offers choices.
pub fn russian_version_two() -> ([StepText; step::COUNT], &'static str) {
    let mut steps = RU_STEPS;
    steps[step::LISTEN].guidance = "Не перебивайте. Задайте один уточняющий вопрос: размер \
        помещения, срок или бюджет. Если спрашивают о рассрочке: «Да, рассрочка без \
        переплаты на 12 месяцев через банк-партнёр, дизайнер всё оформит».";
    steps[step::SOURCE].say = "Подскажите, пожалуйста, откуда вы о нас узнали: сайт, реклама \
        или рекомендация знакомых?";
    steps[step::SOURCE].guidance = "Спросите до перевода. Варианты в самом вопросе помогают \
        клиенту ответить. Запишите ответ в карточку клиента.";
    (
        steps,
        "Ответ на вопрос о рассрочке; вопрос об источнике с вариантами ответа.",
    )
}

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
    /// Index into [`OPERATORS`].
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
    use crate::reviews::consensus::{Outcome, step_outcome};
    use crate::scripts::validate::{KeyRule, check_steps};

    fn verdicts(marks: &[Mark]) -> [Verdict; step::COUNT] {
        let mut all = [Correct; step::COUNT];
        for m in marks {
            all[m.step] = m.verdict;
        }
        all
    }

    #[test]
    fn both_scripts_pass_the_checks_with_seven_steps() {
        for language in [Language::Ru, Language::En] {
            let inputs: Vec<StepInput> =
                script_steps(language).iter().map(StepText::input).collect();
            let clean = check_steps(&inputs, KeyRule::Known(&HashSet::new())).unwrap();
            assert_eq!(clean.len(), 7);
            assert!(
                clean
                    .iter()
                    .all(|s| !s.say.is_empty() && !s.guidance.is_empty())
            );
            assert!(crate::scripts::validate::check_name(script_name(language)).is_ok());
        }
        let (two, notes) = russian_version_two();
        let changed = two
            .iter()
            .zip(RU_STEPS.iter())
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(changed, 2);
        assert!(crate::scripts::validate::check_notes(Some(notes)).is_ok());
    }

    #[test]
    fn accounts_are_valid_and_distinct() {
        let logins: HashSet<_> = accounts().iter().map(|a| a.login).collect();
        assert_eq!(logins.len(), 4);
        for account in accounts() {
            let operator = (account.role == Role::Operator)
                .then(|| crate::db::ids::OperatorId::from_raw("x".to_owned()));
            crate::accounts::users::NewUser::parse(
                account.role,
                account.login,
                account.name,
                account.password,
                operator,
            )
            .unwrap_or_else(|_| panic!("{} is a valid account", account.login));
        }
        assert_eq!(OPERATOR.name, OPERATORS[LINKED_OPERATOR].name);
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
                super::super::Audio::get(call.file).is_some(),
                "{} is embedded",
                call.file
            );
        }
    }
}
