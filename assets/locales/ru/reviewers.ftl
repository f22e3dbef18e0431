nav-reviewers = Проверяющие
reviewers-title = Проверяющие
reviewers-name = Проверяющий
reviewers-status = Состояние
reviewers-status-active = Работает
reviewers-status-paused = Приостановлен
reviewers-status-deactivated = Отключён
reviewers-reviews = Проверки
reviewers-gold-accuracy = Точность на контрольных
reviewers-agreement = Согласие
reviewers-listen-ratio = Время / длина звонка
reviewers-skip-rate = Пропущено
reviewers-rejected = Отклонено
reviewers-earned = Заработано
reviewers-actions = Действия
reviewers-resume = Возобновить
reviewers-pause = Приостановить
reviewers-none = Проверяющих пока нет.
reviewers-back = Все проверяющие
reviewers-weekly = По неделям
reviewers-week = Неделя
reviewers-recent = Последние проверки
reviewers-sent = Отправлена
reviewers-call = Звонок
reviewers-open-call = Открыть звонок
reviewers-gold = контрольный
reviewers-verdicts = Оценки
reviewers-tally = верно: { $correct }, неверно: { $incorrect }, пропущено: { $missing }
reviewers-review-rejected = Отклонена
reviewers-review-accepted = Принята
reviewers-no-reviews = Проверок пока нет.
reviewers-gold-count = контрольных: { $count }
reviewers-steps = { $count ->
    [one] { $count } шаг
    [few] { $count } шага
   *[many] { $count } шагов
}
reviewers-pairs = { $count ->
    [one] { $count } пара
    [few] { $count } пары
   *[many] { $count } пар
}
start-paused-reviewers = { $count ->
    [one] проверяющий приостановлен — проверьте его точность
    [few] проверяющих приостановлены — проверьте их точность
   *[many] проверяющих приостановлены — проверьте их точность
}
