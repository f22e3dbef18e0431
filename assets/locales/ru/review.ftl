nav-review = Проверка
nav-review-history = Мои проверки

review-title = Проверка звонков
review-lead = Вы получаете один случайный звонок. Прослушайте его и отметьте каждый шаг скрипта. Кто говорит и когда был звонок, вы не узнаете.
review-get-call = Получить звонок
review-next-call = Следующий звонок
review-try-again = Попробовать ещё раз
review-empty = Сейчас проверять нечего.
review-empty-hint = У всех звонков уже есть проверки. Новые появляются в течение дня — загляните позже.
review-done = Спасибо! Проверка отправлена.
review-skipped = Звонок возвращён.
review-history-link = Моя история и заработок

review-code = Звонок
review-length = длительность
review-player = Плеер
review-play = Слушать
review-pause = Пауза
review-back-5 = Назад на 5 секунд
review-forward-5 = Вперёд на 5 секунд
review-back-5-short = −5 с
review-forward-5-short = +5 с
review-speed = Скорость
review-keys = Клавиши: пробел — пуск/пауза · ←/→ — 5 с · ↑/↓ или J/K — шаг · 1/2/3 — оценка (4 — «не возникло», где есть) · M — отметить время · Esc — выйти из комментария
review-not-sent = Проверка не отправлена.
review-step-n = Шаг { $number }
review-comment = Комментарий
review-comment-required = (обязательно)
review-time = Время в звонке (м:сс)
review-mark-time = Отметить время
review-progress = { $done } из { $total ->
    [one] { $total } шага
   *[other] { $total } шагов
}
review-send = Отправить проверку
review-send-wait = Отправка через { $wait }
review-send-wait-static = Сначала прослушайте звонок: отправить можно через { $wait } после открытия страницы.
review-heard = Прослушано { $heard } % звонка (нужно { $needed } %)
review-open-one = Без оценки: шаг { $step }
review-open-many = Без оценки: шаги { $steps }
review-choose-verdict = Выберите оценку для этого шага.
review-time-unreadable = Укажите время как минуты:секунды, например 1:23.
review-time-outside = Время должно быть в пределах звонка (от 0:00 до { $max }).

review-skip = Пропустить звонок
review-skip-hint = Звонок вернётся в очередь для других; вам он больше не попадётся.
review-skip-reason = Причина
review-skip-bad_audio = Плохой звук или тишина
review-skip-language = Не понимаю язык
review-skip-not_a_sales_call = Это не продажа или скрипт не подходит
review-skip-conflict = Я узнаю голос
review-skip-other = Другое
review-skip-details = Подробности
review-skip-say-why = Напишите причину в подробностях.
review-skip-send = Вернуть звонок

review-history-title = Мои проверки и заработок
review-history-total = Заработано всего
review-history-rate = Принято проверок: { $count } · сейчас { $rate } за проверку
review-history-none = Вы ещё не отправили ни одной проверки.
review-history-by-day = По дням
review-history-day = День
review-history-reviews = Проверок
review-history-earned = Заработано, { $currency }
review-history-list = Все проверки
review-history-sent = Отправлено
review-history-length = Длительность
review-history-zone = Даты и время указаны по часовому поясу { $zone }.

review-preview-title = Предпросмотр.
review-preview-draft = Так проверяющие увидят ваш неопубликованный черновик, когда будут оценивать звонок.
review-preview-current = Так проверяющие видят текущую версию, когда оценивают звонок.
review-preview-inert = Кнопки можно нажимать: с этой страницы ничего не сохраняется и не отправляется.
review-preview-head = Здесь проверяющий видит случайный код звонка и его длительность — но не кто и когда звонил.
review-preview-player = Здесь у проверяющего плеер звонка (волна, пуск, −5 с и +5 с, скорость); он остаётся вверху экрана.
review-preview-sent = В предпросмотре ничего не отправляется: у проверяющего проверка ушла бы сейчас.

review-history-status = Статус
review-history-accepted = Принята
review-history-rejected = Отклонена
review-history-reason = Причина: { $reason }
review-history-rejected-count = { $count ->
    [one] { $count } проверка отклонена владельцем и не оплачивается; причина — в списке ниже.
    [few] { $count } проверки отклонены владельцем и не оплачиваются; причины — в списке ниже.
   *[many] { $count } проверок отклонены владельцем и не оплачиваются; причины — в списке ниже.
}
review-paused = Проверки приостановлены
