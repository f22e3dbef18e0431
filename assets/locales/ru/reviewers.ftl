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
flagged-title = Проверки, на которые стоит взглянуть: { $count }
flagged-lead = Это подсказки, а не приговор: послушайте звонок и оставьте проверку или отклоните её с причиной.
flagged-open = Открыть звонок
flagged-keep = Оставить
flag-same_answers = Один и тот же ответ на каждом шаге, звонок за звонком
flag-fast = Намного быстрее, чем обычно у этого проверяющего
flag-outlier = Сильно расходится с другими проверками звонка
flag-low_coverage = Большая часть звонка не прослушана
