gaps-title = Доработки скриптов
gaps-lead = Места, где проверяющие услышали, что в скрипте нет ответа на то, что произошло в звонке. Примите их, отклоните с причиной или доработайте скрипт: выбранные доработки закроет версия, которую вы опубликуете.
gaps-all-steps = Все шаги
gaps-selected-lead = С отмеченными доработками:
gaps-accept = Принять
gaps-refine = Доработать скрипт
gaps-dismiss = Отклонить
gaps-dismiss-reason = Причина отклонения
gaps-select = Отметить эту доработку
gaps-limited = Показаны { $limit } самых новых; уточните фильтры, чтобы увидеть остальные.
gaps-count = { $count ->
    [one] { $count } доработка
    [few] { $count } доработки
   *[many] { $count } доработок
}
gaps-open-count = открыто: { $count }
gaps-oldest = самой давней { $days ->
    [0] меньше суток
    [one] { $days } день
    [few] { $days } дня
   *[many] { $days } дней
}
gaps-reviewer = Проверяющий { $label }
gaps-resolved-in = Закрыта версией { $number }
gaps-at = на { $time }
gaps-from-gold = Возможная доработка · контрольный звонок
gaps-from-gold-hint = Отмечена на контрольном звонке, где ключ ответов её не ждал: возможно, ключ нужно поправить, или проверяющий ошибся.
gaps-open-recording = запись
gaps-none-open = Открытых доработок нет. Когда проверяющий отмечает шаг «нет в скрипте», это место появляется здесь.
gaps-none = Под эти фильтры доработок нет.
gap-status-open = Открыта
gap-status-accepted = Принята
gap-status-dismissed = Отклонена
gap-status-resolved = Закрыта
dismiss-operator_error = Ошибка оператора
dismiss-noise = Шум или случайное нажатие
dismiss-duplicate = Дубликат
dismiss-other = Другое
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
error-gap-not-open = Эта доработка уже отклонена или закрыта.

## Step unclear: derived from agreement between reviewers
gaps-unclear-title = Шаги, которые проверяющие оценивают по-разному
gaps-unclear-lead = Это не комментарий проверяющего: на этих шагах проверяющие одних и тех же звонков раз за разом ставят разные оценки, значит, пояснение, скорее всего, неясно. Сделайте его понятнее в редакторе скрипта.
gaps-unclear-kind = Шаг неясен
gaps-unclear-item = «{ $step }» в скрипте «{ $script }»: согласие (альфа) { $alpha } по { $values } оценкам
gaps-unclear-edit = Доработать пояснение
gaps-unclear-script = Согласие на странице скрипта
