// A file input with data-fill="ID" reads the chosen text file into the textarea with that id,
// so a form that takes pasted text also takes a file. Without JavaScript, pasting still works.
document.querySelectorAll("input[type=file][data-fill]").forEach(function (input) {
  input.addEventListener("change", function () {
    var target = document.getElementById(input.dataset.fill);
    var file = input.files && input.files[0];
    if (!target || !file) return;
    file.text().then(function (text) { target.value = text; });
  });
});
