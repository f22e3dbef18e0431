calls-title = Мои звонки
calls-empty-title = Проверенных звонков пока нет
calls-empty-text = Когда проверяющие прослушают ваши звонки, здесь появятся их отзывы: что получилось, что улучшить и где в самом скрипте не нашлось ответа.
calls-summary-label = Итоги
calls-reviewed = { $count ->
    [one] проверенный звонок
    [few] проверенных звонка
   *[many] проверенных звонков
}
calls-average = средняя оценка
calls-unread = { $count ->
    [one] звонок с новым отзывом
    [few] звонка с новыми отзывами
   *[many] звонков с новыми отзывами
}
calls-chart-title = Оценка по неделям
calls-chart-note = Средняя оценка ваших звонков за неделю, последние 12 недель. Разрыв линии — неделя без проверенных звонков.
calls-chart-none = За последние 12 недель проверенных звонков нет.
calls-chart-week = Неделя с { $week }: { $score }% ({ $count ->
    [one] { $count } звонок
    [few] { $count } звонка
   *[many] { $count } звонков
})
calls-missed-title = Шаги, в которых вы ошибаетесь чаще всего
calls-missed-count = ошибка в { $count } из { $judged ->
    [one] { $judged } звонка
   *[other] { $judged } звонков
}
calls-missed-none = Ни один шаг не признан неверным. Отличная работа!
calls-list-title = Проверенные звонки
calls-new = новое
calls-score = оценка
calls-legend = Шаги:
calls-verdict-correct = Верно
calls-verdict-incorrect = Неверно
calls-verdict-missing = Нет в скрипте
calls-verdict-split = Мнения разошлись
calls-verdict-none = Без оценки
calls-summary = Шаги: верно — { $correct }, неверно — { $incorrect }, нет в скрипте — { $missing }, мнения разошлись — { $split }
calls-score-note = Оценка — доля верных шагов среди шагов, признанных верными или неверными. «Нет в скрипте» значит, что в скрипте не было ответа: это никогда не идёт вам в минус.
calls-utc = Время указано по UTC.
calls-call-title = Звонок { $when }
calls-back = Все мои звонки
calls-length = Длительность
calls-reviews = { $count ->
    [one] { $count } проверка
    [few] { $count } проверки
   *[many] { $count } проверок
}
calls-player = Запись звонка
calls-markers-hint = Отметки показывают, где проверяющие оставили комментарий; нажмите, чтобы слушать с этого места.
calls-steps = По шагам
calls-votes = Проверяющие:
calls-reviewer = Проверяющий { $label }
calls-play-from = слушать с { $time }
calls-marker = Проверяющий { $reviewer }, шаг { $number } «{ $step }», { $time }
calls-acknowledged = Отзыв отмечен как прочитанный.
calls-ack-hint = Отметьте, что вы прочитали отзывы проверяющих по этому звонку.
calls-ack = Отметить как прочитанное
calls-score-label = Оценка
calls-votes-correct = верно — { $count }
calls-votes-incorrect = неверно — { $count }
calls-votes-missing = нет в скрипте — { $count }
