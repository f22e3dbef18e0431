diff-rescored = изменена оценка
diff-flag-critical = Критичный
diff-flag-optional = Может не возникнуть
diff-flag-weight = Вес
diff-flag-true = да
diff-flag-false = нет
diff-flag-no-weight = без веса
