// Small enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Bring a form's error summary into view and focus, so a screen reader reads it first.
  var errors = document.getElementById("errors");
  if (errors) { errors.focus(); }
  // Ask before a button marked data-confirm sends its form.
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});
