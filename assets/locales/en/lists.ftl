# Long lists: pages and sortable columns.
invalid-not-a-page = Not a page number.
list-pages = Pages
list-range = { $from }–{ $to } of { $total }
list-previous = ← Previous
list-next = Next →
list-page-of = Page { $page } of { $pages }
list-scroll = { $name }, scrolls sideways
list-order = Order by
list-direction = Direction
list-descending = Largest, newest or Z first
list-ascending = Smallest, oldest or A first
