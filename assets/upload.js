// Upload page enhancement: drop files onto the form, send each file on its own request with a
// progress bar, and show what happened to each. Without JavaScript the form posts all files at
// once and works the same.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = document.getElementById("file");
  var zone = document.getElementById("dropzone");
  var list = document.getElementById("upload-progress");
  var maxBytes = Number(form.dataset.maxBytes) || Infinity;

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) input.files = event.dataTransfer.files;
  });

  function row(file) {
    var item = document.createElement("li");
    var name = document.createElement("span");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var note = document.createElement("span");
    note.className = "muted";
    item.append(name, bar, note);
    list.append(item);
    return { bar: bar, note: note, item: item };
  }

  function errorText(xhr) {
    try {
      var body = JSON.parse(xhr.responseText).error;
      var fields = (body.fields || []).map(function (f) { return f.message; });
      return [body.message].concat(fields).join(" ");
    } catch (e) {
      return form.dataset.failed;
    }
  }

  function send(file, shown) {
    return new Promise(function (resolve) {
      if (file.size > maxBytes) {
        shown.note.textContent = form.dataset.tooLarge;
        shown.item.classList.add("bad");
        return resolve(false);
      }
      var data = new FormData();
      data.append("file", file, file.name);
      ["operator_id", "script_id", "called_at", "direction", "customer_number", "reviews_required", "if_new"].forEach(function (name) {
        var field = form.elements[name];
        if (field && field.value) data.append(name, field.value);
      });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.api);
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) shown.bar.value = Math.round((event.loaded / event.total) * 100);
      };
      xhr.onload = function () {
        var ok = xhr.status === 202;
        shown.bar.value = 100;
        shown.note.textContent = ok ? form.dataset.queued : errorText(xhr);
        if (xhr.status === 409) {
          try {
            var existing = JSON.parse(xhr.responseText).existing_id;
            var link = document.createElement("a");
            link.href = "/recordings/" + encodeURIComponent(existing);
            link.textContent = form.dataset.open;
            shown.note.append(" ", link);
          } catch (e) { /* the message alone says it */ }
        }
        shown.item.classList.add(ok ? "ok" : "bad");
        resolve(ok);
      };
      xhr.onerror = function () {
        shown.note.textContent = form.dataset.failed;
        shown.item.classList.add("bad");
        resolve(false);
      };
      xhr.send(data);
    });
  }

  form.addEventListener("submit", function (event) {
    if (!input.files.length) return;
    event.preventDefault();
    var files = Array.prototype.slice.call(input.files);
    list.textContent = "";
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    files.reduce(function (previous, file) {
      var shown = row(file);
      return previous.then(function (results) {
        return send(file, shown).then(function (ok) { return results.concat(ok); });
      });
    }, Promise.resolve([])).then(function (results) {
      button.disabled = false;
      input.value = "";
      if (results.every(Boolean)) {
        var done = document.createElement("li");
        var link = document.createElement("a");
        link.href = "/recordings";
        link.textContent = form.dataset.done;
        done.append(link);
        list.append(done);
      }
    });
  });
})();
