// Upload progress for the CSV import (a plain form post; the bar is only a nicety).
(function () {
  const form = document.getElementById("import-form");
  const bar = document.getElementById("import-progress");
  if (!form || !bar || !window.XMLHttpRequest) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    bar.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
    });
    xhr.addEventListener("load", function () {
      document.open(); document.write(xhr.responseText); document.close();
    });
    xhr.open("POST", form.action);
    xhr.send(new FormData(form));
  });
})();
