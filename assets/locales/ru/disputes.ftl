nav-disputes = Споры
start-open-disputes = { $count ->
    [one] спор ждёт решения: оператор оспаривает оценку
    [few] спора ждут решения: операторы оспаривают оценки
   *[many] споров ждут решения: операторы оспаривают оценки
}
disputes-title = Споры
disputes-lead = Оператор может оспорить оценку шага в своём звонке. Звонок заново проверяет другой проверяющий, который его раньше не слушал и не знает о споре; затем вы решаете по каждому шагу.
disputes-show-all = Показать и решённые споры
disputes-show-open = Показать только открытые споры
disputes-opened = Открыт
disputes-age = Ждёт
disputes-age-days = { $count ->
    [0] меньше дня
    [one] { $count } день
    [few] { $count } дня
   *[many] { $count } дней
}
disputes-steps = Оспорено шагов
disputes-status = Состояние
disputes-none = Ни один спор не ждёт решения.
disputes-none-ever = Пока никто не оспаривал оценки.
dispute-status-awaiting_review = ждёт повторной проверки
dispute-status-awaiting_decision = ждёт вашего решения
dispute-status-decided = решён
dispute-title = Спор: { $operator }
dispute-opened = Открыт { $at }
dispute-decided-at = решён { $at }
dispute-open-call = Звонок и все его проверки
dispute-lead = По каждому шагу: оспоренная оценка и проверки, на которых она основана, слова оператора и оценка проверяющего, который слушал звонок, не зная о споре. Оставьте оценку в силе или отмените её и объясните почему — оператор прочитает ваш комментарий.
dispute-awaiting-review = Звонок ещё ждёт повторной проверки. Решить можно и сейчас, но второе мнение обычно стоит дождаться.
dispute-contested = Оспоренная оценка
dispute-operator-comment = Слова оператора
dispute-re-review = Повторная проверка
dispute-re-review-pending = Ещё не готова.
dispute-decision = Решение:
dispute-decision-upheld = оценка оставлена в силе
dispute-decision-overturned = оценка отменена: шаг засчитан как выполненный верно
dispute-uphold = Оставить оценку
dispute-overturn = Отменить оценку
dispute-note = Комментарий:
dispute-note-field = Комментарий для оператора
dispute-send = Сохранить решения
dispute-saved = Решения сохранены. Оператор увидит их на странице звонка.
call-reviews-dispute-awaiting_review = Оператор оспаривает оценки этого звонка: ждёт повторной проверки.
call-reviews-dispute-awaiting_decision = Оператор оспаривает оценки этого звонка: ждёт вашего решения.
call-reviews-dispute-decided = Спор оператора по этому звонку решён.
call-reviews-critical-hint = Оценка «неверно» на критичном шаге обнуляет оценку звонка.
calls-critical-failure = Звонок провален на критичном шаге: { $step }
calls-critical-failure-hint = В скрипте этот шаг отмечен как критичный: если он выполнен неверно, оценка звонка — 0 %.
calls-overturned = отменено по апелляции
calls-overturned-owner = отменено по апелляции: засчитано как верно
calls-verdict-did_not_arise = Не возникло
calls-votes-did_not_arise = не возникло — { $count }
calls-dispute-sent = Спор отправлен. Решение появится здесь.
calls-contest-title = Оспорить оценку
calls-contest-hint = Если считаете, что шаг оценён неверно, отметьте его и объясните почему. Оспорить этот звонок можно один раз, до { $until }.
calls-contest-comment = Почему оценка неверна
calls-contest-send = Отправить спор
calls-dispute-title = Ваш спор
calls-dispute-under-review = Отправлен { $opened }: на рассмотрении.
calls-dispute-decided = Отправлен { $opened }, решён { $decided }.
calls-dispute-your-comment = Вы написали:
calls-dispute-decision = Решение:
calls-dispute-upheld = оценка оставлена в силе
calls-dispute-overturned = оценка отменена: шаг засчитан как выполненный верно
calls-dispute-pending = На рассмотрении.
calls-dispute-note = Комментарий:
