overview-title = Обзор
overview-lead = Как оценены звонки каждого оператора, на каких шагах ошибаются и где в скрипте ещё нет ответа. Звонок учитывается, когда по нему собраны все проверки, в день, когда он состоялся (или был загружен, если время звонка неизвестно).
overview-period-label = Период
overview-from = С
overview-to = По
overview-field-from = Дата начала
overview-field-to = Дата окончания
overview-show = Показать
overview-last-days = { $days ->
    [one] За { $days } день
    [few] За { $days } дня
   *[many] За { $days } дней
}
overview-days = { $days ->
    [one] { $days } день
    [few] { $days } дня
   *[many] { $days } дней
}
overview-download-csv = Скачать CSV
overview-calls = Проверено звонков
overview-average = Средняя оценка
overview-operators = Операторы
overview-reviews = Потрачено проверок
overview-reviews-spent = { $spent } из { $maximum } при постоянном максимуме · сэкономлено { $saved }
overview-open-gaps = Открытые доработки
overview-operator = Оператор
overview-trend = Динамика
overview-weekly = По неделям
overview-inactive = неактивен
overview-none = За этот период нет проверенных звонков. Звонок учитывается, когда по нему собраны все проверки: попробуйте период подлиннее.
overview-score-note = Оценка звонка — доля шагов, выполненных верно, среди оценённых как «верно» или «неверно»: «нет в скрипте» и разногласия проверяющих никогда не идут в минус оператору. Динамика — сравнение со средней оценкой за столько же дней перед выбранным периодом.
overview-trend-up = выше, было { $before }
overview-trend-down = ниже, было { $before }
overview-trend-flat = без изменений (было { $before })
overview-trend-none = в прошлом периоде звонков нет
overview-trend-unscored = в прошлом периоде нет оценки
overview-sparkline-label = Средняя оценка по неделям: { $values }
overview-heatmap = Шаги по операторам
overview-heatmap-lead = Как часто оператор выполнял шаг верно — среди звонков, где проверяющие оценили его как «верно» или «неверно». Под долей: верно / оценено.
overview-heatmap-caption = Доля верно выполненных шагов по операторам и шагам
overview-cell = { $percent }: верно { $correct } из { $judged }
overview-cell-empty = нет данных
overview-legend = Цвета
overview-legend-below = ниже { $to }
overview-legend-range = { $from }–{ $to }
overview-legend-above = { $from } и выше
overview-legend-none = нет данных
overview-gaps = Открытые доработки по шагам
overview-gaps-lead = Шаги, где проверяющие не нашли ответа в скрипте и которые ждут вашего решения (все открытые доработки, независимо от периода).
overview-gaps-none = Открытых доработок нет: на всё, что услышали проверяющие, в скрипте был ответ.
overview-step = Шаг
overview-open = Открыто
overview-oldest = Ждёт с
overview-csv-operator = Оператор
overview-csv-external-id = Внешний ID
overview-csv-calls = Проверено звонков
overview-csv-average = Средняя оценка, %
overview-csv-correct = Верно
overview-csv-incorrect = Неверно
overview-csv-missing = Нет в скрипте
overview-csv-split = Разногласие
invalid-period-reversed = Дата окончания раньше даты начала.
invalid-period-too-long = Период может быть не длиннее { $max } дн.
overview-compliance = Соблюдение скрипта
overview-critical-failures = { $count ->
    [one] { $count } провален на критичном шаге
    [few] { $count } провалены на критичном шаге
   *[many] { $count } провалены на критичном шаге
}
overview-compliance-note = Соблюдение скрипта — доля проверенных звонков, не проваленных на критичном шаге.
overview-csv-compliance = Соблюдение скрипта, %
overview-csv-critical-failures = Провалено на критичном шаге
overview-csv-did-not-arise = Не возникло
answers-csv-time = Отправлено
answers-csv-call = Звонок
answers-csv-operator = Оператор
answers-csv-script = Скрипт
answers-csv-version = Версия
answers-csv-step-number = № шага
answers-csv-step-key = Ключ шага
answers-csv-reviewer = Проверяющий (псевдоним)
answers-csv-verdict = Оценка
answers-csv-comment = Комментарий
answers-csv-review-status = Статус проверки
overview-download-answers = Все ответы (CSV)
kpi-title = Период { $from } – { $to } · версии скриптов: { $versions }
kpi-no-versions = нет (проверенных звонков нет)
kpi-total = Все операторы
kpi-sheet-operators = Операторы
kpi-sheet-versions = Версии скриптов
kpi-col-operator = Оператор
kpi-col-arrived = Поступило звонков
kpi-col-sampled = В выборке
kpi-col-reviewed = Проверено
kpi-col-score = Средний балл, %
kpi-col-compliance = Соблюдение, %
kpi-col-critical = Провалено на критичном шаге
kpi-col-violations = Потеряно с ошибкой на шаге
kpi-col-gaps = Доработок найдено
kpi-col-disputes-won = Споров выиграно
kpi-col-disputes-lost = Споров проиграно
kpi-col-acknowledged = Отзывов прочитано
kpi-col-ack-rate = Прочитано, %
kpi-col-script = Скрипт
kpi-col-version = Версия
overview-kpi = KPI для оплаты
overview-kpi-lead = По каждому оператору за период: потерянные звонки с шагом, выполненным неверно («закрыто с нарушением»; пропущенный шаг — повод доработать скрипт, а не вина оператора), доработки, найденные в его звонках, споры, решённые в его пользу и против, и доля проверенных звонков, отзыв по которым он прочитал.
overview-download-kpi-csv = KPI (CSV)
overview-download-kpi-xlsx = KPI (XLSX)

overview-effect = Помогла ли доработка?
overview-effect-lead = Для каждого скрипта, звонки по которому за период проверены по нескольким версиям: каждый шаг его последней версии в сравнении с последней более ранней версией, где этот шаг был, — оценка (доля звонков, где шаг выполнен верно, из тех, где его оценили как верный или неверный) и как часто проверяющие отмечали его «нет в скрипте»; в скобках — 95-процентный диапазон. Сначала самые большие изменения.
overview-effect-caption = { $script }: версия { $version }, { $count ->
    [one] проверен { $count } звонок
    [few] проверено { $count } звонка
   *[many] проверено { $count } звонков
    } за период
overview-effect-all = все версии по шагам
overview-effect-against = Прежняя версия → эта
overview-effect-version = версия { $version } ({ $count ->
    [one] { $count } звонок
    [few] { $count } звонка
   *[many] { $count } звонков
    })
overview-effect-calls = { $count ->
    [one] { $count } звонок
    [few] { $count } звонка
   *[many] { $count } звонков
    }
overview-effect-none = За этот период нет скрипта, звонки по которому проверены по двум версиям. Когда звонки начнут проверять по новой опубликованной версии, её результат появится здесь; чтобы сравнить со старыми версиями, выберите период длиннее.
