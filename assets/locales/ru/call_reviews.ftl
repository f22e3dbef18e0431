call-reviews-title = Проверки
call-reviews-none = Ни одной проверки ещё нет.
call-reviews-lead = Все проверки рядом. Общий итог считается только по принятым проверкам; проверка звонка, пока он был контрольным, сверяется с ключом. Нажмите на время, чтобы слушать с этого места.
call-reviews-disagreements = { $count ->
    [one] Проверяющие разошлись в { $count } шаге — он отмечен ниже.
   *[other] Проверяющие разошлись в { $count } шагах — они отмечены ниже.
}
call-reviews-step = Шаг
call-reviews-consensus = Общий итог
call-reviews-key = Ключ
call-reviews-rejected = Отклонена
call-reviews-gold-review = Контрольная проверка: { $score }
call-reviews-listened = держал { $share } длины звонка
call-reviews-heard = прослушал { $share } звонка
call-reviews-disagree = Расхождение
call-reviews-miss = (не совпадает с ключом)
call-reviews-agreement = согласны { $share }
call-reviews-judge = Принять или отклонить
call-reviews-reject = Отклонить эту проверку…
call-reviews-reason = Причина (проверяющий её увидит)
call-reviews-reason-hint = Отклонённая проверка нигде не учитывается и не оплачивается; звонок уйдёт ещё одному проверяющему. Её можно вернуть позже.
call-reviews-reject-send = Отклонить проверку
call-reviews-restore = Вернуть проверку
gold-title = Контрольный звонок
gold-active = Контрольный звонок
gold-since = с
gold-lead = Контрольный звонок незаметно подмешивается к звонкам каждого проверяющего; их ответы сверяются с ключом ниже, так измеряется точность каждого. Его проверки не меняют показатели оператора. Шаг с ответом «Любой» не оценивается.
gold-expected = Верный ответ
gold-answer-correct = Верно
gold-answer-incorrect = Неверно
gold-answer-missing = Нет в скрипте
gold-answer-any = Любой
gold-mark = Сделать контрольным
gold-save = Сохранить ключ
gold-unmark = Больше не использовать как контрольный
gold-needs-reviews = Звонок можно сделать контрольным, когда все его проверки получены.
