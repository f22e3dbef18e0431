# Длинные списки: страницы и сортировка по столбцам.
invalid-not-a-page = Это не номер страницы.
list-pages = Страницы
list-range = { $from }–{ $to } из { $total }
list-previous = ← Назад
list-next = Дальше →
list-page-of = Страница { $page } из { $pages }
list-scroll = { $name }, прокручивается вбок
list-order = Упорядочить по
list-direction = Порядок
list-descending = Сначала новые, большие, Я
list-ascending = Сначала старые, меньшие, А
