// Progress for slow forms (publish, roll back, try it) and focus on messages. Everything
// works without this file.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      var status = form.querySelector(".busy");
      if (status) { status.textContent = form.getAttribute("data-busy"); }
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
  var message = document.getElementById("outcome") || document.getElementById("conflict");
  if (message) { message.focus(); }
});
