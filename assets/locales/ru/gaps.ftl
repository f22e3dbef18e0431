gaps-title = Пробелы
gaps-lead = Места, где рецензенты увидели, что в скрипте нет ответа на то, что произошло в звонке. Примите их, отклоните с причиной или доработайте скрипт: выбранные пробелы закроет версия, которую вы опубликуете.
gaps-all-steps = Все шаги
gaps-selected-lead = С отмеченными пробелами:
gaps-accept = Принять
gaps-refine = Доработать скрипт
gaps-dismiss = Отклонить
gaps-dismiss-reason = Причина отклонения
gaps-select = Отметить этот пробел
gaps-limited = Показаны { $limit } самых новых; уточните фильтры, чтобы увидеть остальные.
gaps-count = { $count ->
    [one] { $count } пробел
    [few] { $count } пробела
   *[many] { $count } пробелов
}
gaps-open-count = открыто: { $count }
gaps-oldest = самый старый открыт { $days ->
    [0] меньше суток
    [one] { $days } день
    [few] { $days } дня
   *[many] { $days } дней
}
gaps-reviewer = Рецензент { $label }
gaps-resolved-in = Закрыт версией { $number }
gaps-at = на { $time }
gaps-open-recording = запись
gaps-none-open = Открытых пробелов нет. Когда рецензент отмечает шаг «нет в скрипте», он появляется здесь.
gaps-none = Под эти фильтры пробелов нет.
gap-status-open = Открыт
gap-status-accepted = Принят
gap-status-dismissed = Отклонён
gap-status-resolved = Закрыт
dismiss-operator_error = Ошибка оператора
dismiss-noise = Шум или случайное нажатие
dismiss-duplicate = Дубликат
dismiss-other = Другое
error-gap-not-open = Этот пробел уже отклонён или закрыт.
invalid-one-script-only = Отмеченные доработки относятся к разным скриптам, а дорабатывать можно один скрипт за раз. Оставьте отмеченными доработки одного скрипта (или отфильтруйте очередь по скрипту) и снова нажмите «Доработать скрипт».
gaps-done-accepted = { $count ->
    [one] Принята { $count } доработка.
    [few] Принято { $count } доработки.
   *[other] Принято { $count } доработок.
}
gaps-done-dismissed = { $count ->
    [one] Отклонена { $count } доработка.
    [few] Отклонено { $count } доработки.
   *[other] Отклонено { $count } доработок.
}
gaps-undone = Отменено: доработки вернулись в прежнее состояние.
gaps-undo = Отменить
gaps-undo-hint = можно в течение { $minutes } минут
error-undo-expired = Это уже нельзя отменить: прошло слишком много времени или доработка с тех пор изменилась.
