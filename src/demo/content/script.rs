//! The demo's inbound script, "kitchen enquiry": its seven steps in Russian and in English,
//! and the changes of the Russian script's version 2.

use crate::scripts::validate::StepInput;

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
            ..StepInput::default()
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::scripts::validate::{KeyRule, check_steps};

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
}
