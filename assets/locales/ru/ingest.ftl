# Звонки, которые приходят сами: ключи для программ, внутренние номера, входящие звонки, выборка.

invalid-no-script = Нет действующего скрипта, по которому проверять звонок: сначала создайте скрипт.
invalid-taken = Это уже занято: выберите другое.
error-key-not-allowed = Этим ключом можно только присылать записи (POST /api/v1/recordings).
error-duplicate-file = Точно такой же файл уже загружали.

upload-operator-from-name = По имени файла (Asterisk/FreePBX)
upload-operator-hint = Оставьте так, чтобы оператор определился по имени файла Asterisk/FreePBX (in-201-79161234567-20231115-101530-….wav): по внутреннему номеру в нём, привязанному на странице «Люди». Время, направление и номер клиента тоже берутся из имени.
upload-duplicates = { $kept ->
    [0] Ничего нового не загружено
    [one] Загружен { $kept } файл
    [few] Загружено { $kept } файла
   *[other] Загружено { $kept } файлов
}; { $skipped ->
    [one] { $skipped } пропущен, потому что точно такой же файл уже загружали:
    [few] { $skipped } пропущено, потому что точно такие же файлы уже загружали:
   *[other] { $skipped } пропущено, потому что точно такие же файлы уже загружали:
}
upload-open-existing = Открыть

sampling-title = Какие звонки проверять
sampling-lead = Проверять каждый звонок или случайную выборку звонков каждого оператора: проверки стоят денег, а ровная выборка говорит об операторе не меньше, чем все звонки.
sampling-which = Что проверять
sampling-all = Каждый звонок
sampling-sample = Случайную выборку по каждому оператору
sampling-size = Звонков
sampling-period = в
sampling-per-day = день
sampling-per-week = неделю
sampling-per-month = месяц
sampling-min-seconds = Только звонки не короче (секунд)
sampling-any-direction = Любое направление
sampling-how = У каждого звонка периода одинаковые шансы. Выборка уходит проверяющим, когда период закончился (по часовому поясу организации): до этого в неё может попасть более поздний звонок. Звонки вне выборки сохраняются как «не в выборке»: их можно прослушать и любой отправить на проверку. Новый план действует для звонков, пришедших после сохранения.
sampling-save = Сохранить план
sampling-saved = План выборки сохранён.
sample-held = в выборке этого периода
sample-out = не в выборке
sample-held-explained = Этот звонок в выборке своего периода: он уйдёт проверяющим, когда период закончится.
sample-out-explained = Этот звонок не попал в выборку: проверяющие его не получат.
sample-pull-in = Отправить на проверку сейчас

keys-title = API-ключи
keys-lead = Ключ позволяет программе (вашей АТС, скрипту, интеграции) присылать звонки в callqa — и больше ничего: читать звонки, проверки или людей им нельзя. Каждое использование записывается в журнал под именем ключа. Отзовите ключ сразу, как только он мог утечь.
keys-created = Вот новый ключ. Скопируйте его сейчас: он показывается только один раз.
keys-example = Звонок с ним отправляется так:
keys-key = Ключ
keys-scope = Может
keys-scope-ingest = присылать записи
keys-created-at = Создан
keys-last-used = Последний раз
keys-never-used = ещё не использовался
keys-state = Состояние
keys-revoked = отозван { $when }
keys-revoke = Отозвать
keys-revoke-named = Отозвать ключ { $name }
keys-none = Ключей пока нет.
keys-new = Новый ключ
keys-name-hint = Напишите, где он используется, например «Asterisk в офисе»: журнал называет ключ по имени.
keys-create = Создать ключ
inbound-title = Поступающие звонки
inbound-lead = Звонки, которые прислала ваша АТС или программа и которые ещё не стали записями.
inbound-waiting = { $count ->
    [0] Ни один звонок не ждёт оператора
    [one] { $count } звонок ждёт оператора
    [few] { $count } звонка ждут оператора
   *[other] { $count } звонков ждут оператора
}
inbound-waiting-lead = Их внутренний номер пока не привязан ни к одному оператору. Привяжите номер на странице «Люди» (все ждущие с него звонки сразу пойдут дальше) или укажите оператора одного звонка здесь.
inbound-extension = Внутренний номер
inbound-external-id = Идентификатор звонка
inbound-source = Откуда
inbound-assign = Принять
inbound-map-extensions = Привязать внутренние номера к операторам
inbound-none-waiting = У всех поступивших звонков есть оператор.
inbound-failed = { $count ->
    [0] Все звонки скачались
    [one] { $count } звонок не удалось скачать
    [few] { $count } звонка не удалось скачать
   *[other] { $count } звонков не удалось скачать
}
inbound-arrived = Сообщён
inbound-reason = Почему
inbound-attempts = { $count ->
    [one] ({ $count } попытка)
    [few] ({ $count } попытки)
   *[other] ({ $count } попыток)
}
inbound-none-failed = Ни одна загрузка не сорвалась.
inbound-fetching = { $count ->
    [one] Скачивается { $count } звонок
    [few] Скачиваются { $count } звонка
   *[other] Скачиваются { $count } звонков
}
recordings-inbound-link = { $waiting ->
    [0] {""}
    [one] { $waiting } поступивший звонок ждёт оператора.
    [few] { $waiting } поступивших звонка ждут оператора.
   *[other] { $waiting } поступивших звонков ждут оператора.
} { $failed ->
    [0] {""}
    [one] { $failed } не удалось скачать.
   *[other] { $failed } не удалось скачать.
}
recordings-inbound-open = Поступающие звонки
people-extensions = Внутренние номера АТС
people-extension-add = Добавить
people-extension-field = Внутренний номер или табельный номер для { $name }
people-extension-remove = Убрать номер { $extension }
people-released = { $count ->
    [0] Номер привязан.
    [one] Номер привязан; { $count } ждавший его звонок пошёл дальше.
    [few] Номер привязан; { $count } ждавших его звонка пошли дальше.
   *[other] Номер привязан; { $count } ждавших его звонков пошли дальше.
}

overview-intake = Поступившие звонки
overview-intake-lead = Из звонков периода: сколько поступило, сколько идёт на проверку (все звонки или выборка, если скрипт проверяет выборку) и у скольких уже все проверки.
overview-arrived = Поступило
overview-sampled = В выборке
overview-reviewed = Проверено
overview-all-operators = Все операторы
settings-keys-hint = ключи для АТС или скрипта, которые сами присылают звонки.

outcome-title = Чем закончился звонок
outcome-lead = Сделка или отказ — как это знает ваша CRM. Видите только вы: проверяющие оценивают вслепую.
outcome-field = Итог
outcome-unknown = Неизвестно
outcome-won = Сделка
outcome-lost = Отказ
outcome-reason = Причина (необязательно)
outcome-save = Сохранить
invalid-unknown-call = Звонка с таким идентификатором нет.
invalid-outcome-columns = В файле нужна строка заголовков со столбцами external_id (или recording_id) и outcome, и, если нужно, reason.
invalid-not-a-csv = Это не CSV-файл, который callqa может прочитать.
invalid-not-utf8 = Файл не в кодировке UTF-8.
outcomes-import-title = Итоги звонков из вашей CRM
outcomes-import-lead = CSV-выгрузка со строкой заголовков: звонок по external_id (идентификатору звонка в АТС) или recording_id, его итог (won — сделка, lost — отказ, unknown — стереть) и, если нужно, причина (reason). Сначала проверяется весь файл: одна неверная строка — и ничего не меняется.
outcomes-import-file = CSV-файл
outcomes-import-submit = Записать итоги
outcomes-import-done = { $count ->
    [one] Итог записан для { $count } звонка.
   *[other] Итоги записаны для { $count } звонков.
}

funnel-title = Где срываются звонки
funnel-lead = По проверенным звонкам одной версии скрипта: сколько дошли до каждого шага без ошибки и на каком шаге случилась первая «ошибка» или «нет в скрипте» — для сделок и отказов рядом, чтобы видеть, где срываются отказы и чем отличаются сделки.
funnel-version = Версия
funnel-current-version = текущая
funnel-show = Показать
funnel-calls = Проверенных звонков: { $all }; сделок { $won }, отказов { $lost }, с неизвестным итогом { $unknown }; без единой ошибки прошли все шаги { $clean }.
funnel-caption = Звонки, дошедшие до шага без ошибки.
funnel-table = Шаги версии по порядку
funnel-step = Шаг
funnel-reached = Дошли без ошибки
funnel-first-failure = Первая ошибка здесь
funnel-all = все
funnel-open-step = { $count ->
    [one] { $count } звонок с первой ошибкой на шаге «{ $step }» — показать
    [few] { $count } звонка с первой ошибкой на шаге «{ $step }» — показать
   *[other] { $count } звонков с первой ошибкой на шаге «{ $step }» — показать
}
funnel-of-them-missing = (из них «нет в скрипте»: { $count })
funnel-calls-at = Звонки с первой ошибкой на шаге «{ $step }»
funnel-call = Открыть звонок

win-back-title = Отказы, которые можно вернуть
win-back-lead = Отказы с ошибкой на каком-то шаге, сначала новые: где звонок сорвался и что написали проверяющие. Перезвоните клиенту и отметьте, чем кончилось.
win-back-figures = Отказов с ошибкой: { $lost }; перезвонили { $called }, вернули { $won }, без шансов { $hopeless }.
win-back-step = сорвался на шаге «{ $step }»
win-back-status = Чем кончилось
win-back-open = Ещё не звонили
win-back-called_back = Перезвонили
win-back-won_back = Вернули
win-back-no_chance = Без шансов
win-back-save = Сохранить
win-back-none = В этом периоде нет отказов с ошибкой.

effect-title = Помогла ли доработка?
effect-lead = Оценка каждого шага (сделано верно из звонков, где шаг оценён как верный или ошибочный) и как часто проверяющие отмечали, что в скрипте нет ответа на ситуацию, — по версиям, по звонкам, проверенным по этой версии; в скобках — диапазон 95 %, в котором лежит истинное значение. На малом числе звонков диапазоны широкие: о перемене можно судить, когда они перестали перекрываться.
effect-calls = Звонков
effect-score = Оценка
effect-missing = Нет в скрипте
effect-points = { $change } п.
effect-none = Ни один шаг ещё не оценивали в нескольких версиях.
effect-timeline = Каждая публикация на шкале времени: версия, её день и под ним доля проверенных шагов с отметкой «нет в скрипте».
effect-timeline-mark = Версия { $version }, опубликована { $day }: проверено звонков { $calls }, шагов «нет в скрипте» { $missing }
effect-resolved-title = Доработки, закрытые версией: до и после
effect-resolved-lead = Для каждого шага, где владелец закрыл доработки новой версией: как часто проверяющие отмечали этот шаг «нет в скрипте» в звонках, проверенных по версиям до неё, и по ней и более поздним.
effect-resolved-in = Закрыт в
effect-resolved-gaps = Доработок
effect-before = Нет в скрипте, до
effect-after = Нет в скрипте, после

## Коннекторы
error-bad-signature = Подпись события не совпадает с секретом этого коннектора.
invalid-invalid-url = Это не ссылка http или https.
invalid-invalid-json = Это не JSON нужного вида.
connectors-title = Коннекторы
connectors-lead = АТС сама сообщает callqa, что запись готова; callqa скачивает её в фоне и повторяет попытку, если АТС не отвечает. Скачиваются только ссылки https на публичные адреса.
connectors-saved = Сохранено.
connectors-vendor-generic = Универсальный вебхук (любая АТС или скрипт)
connectors-configured = настроен
connectors-not-configured = не настроен
connectors-webhook = События отправлять на
connectors-secret-hint = Не короче 16 символов, общий с АТС. После сохранения больше не показывается.
connectors-secret-kept = Секрет задан и больше не показывается. Оставьте поле пустым, чтобы сохранить его, или введите новый.
connectors-script-inferred = Указанный в событии или единственный активный скрипт
connectors-save = Сохранить
connectors-example = Как подписать и отправить событие
connectors-events = Последние события
connectors-received = Получено
connectors-outcome = Итог
connectors-detail = Подробности
connectors-no-events = Событий пока нет.
connectors-outcome-accepted = новый звонок, скачивание в очереди
connectors-outcome-repeat = повтор известного звонка
connectors-outcome-bad_signature = отклонено: неверная подпись
connectors-outcome-invalid = отклонено: неверные поля
connectors-outcome-not_configured = отклонено: не настроен
settings-connectors-hint = АТС сама присылает звонки.
connectors-vendor-mango = Mango Office
connectors-vendor-zadarma = Zadarma / Novofon
connectors-vendor-megafon = Виртуальная АТС МегаФон (вебхук CRM)
connectors-setup-generic = Любая АТС или скрипт: событие в JSON, подписанное HMAC-SHA256 от тела (см. пример).
connectors-setup-mango = В личном кабинете Mango Office в разделе «Интеграции → API-подключение» укажите этот адрес как адрес внешней системы (Mango сам добавит /events/record/added) и включите уведомления о записях; уникальный код (ключ API) и ключ для подписи (соль) перенесите сюда. callqa принимает событие record/added и сразу скачивает файл.
connectors-setup-zadarma = В личном кабинете в разделе «Настройки → Интеграции и API» укажите этот адрес для уведомлений о звонках (завершение входящего и исходящего) и для NOTIFY_RECORD; ключ и секрет API перенесите сюда. Zadarma сначала проверяет адрес — callqa отвечает на проверку.
connectors-setup-megafon = В кабинете виртуальной АТС в разделе «Интеграция с CRM» укажите этот адрес и одинаковый токен с обеих сторон. callqa принимает команду history после каждого звонка и скачивает запись по ссылке.
connectors-secret-generic = Секрет
connectors-secret-mango = Ключ для подписи (соль)
connectors-secret-zadarma = Секрет API
connectors-secret-megafon = Токен CRM
connectors-api-key-mango = Уникальный код АТС (vpbx_api_key)
connectors-api-key-zadarma = Ключ API
connectors-api-url = Адрес API
connectors-api-url-hint = По умолчанию — адрес самого оператора; меняйте только для другого региона или песочницы (для Novofon: https://api.novofon.com).
connectors-test = Отправить тестовое событие
connectors-test-hint = callqa отправит себе на адрес выше событие, как его отправила бы эта АТС, с подписью по сохранённым настройкам. Сохранится только строка в журнале событий.
connectors-test-arrived = Тестовое событие для { $vendor } дошло, подпись сошлась.
connectors-test-failed = Тестовое событие для { $vendor } не прошло:
connectors-outcome-ignored = учтено, скачивать нечего
connectors-outcome-test = тестовое событие
invalid-invalid-form = Тело запроса — не форма.
error-invalid-echo = Значение проверки адреса: только буквы, цифры, «-» и «_», не длиннее 64.
connectors-outcome-test_failed = тестовое событие не прошло
