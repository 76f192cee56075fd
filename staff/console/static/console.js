// Progress for slow forms (roll back, try it), the steps of a publish, and focus on
// messages. Everything works without this file: "Publish" is then a plain form POST.
(function () {
  "use strict";
  var WORDS = { waiting: "Waiting", running: "Now", done: "Done", failed: "Stopped",
                skipped: "Not needed" };
  var POLL_MS = 500;

  // The steps as the server draws them (templates/_publish_steps.html).
  function drawSteps(list, steps) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    steps.forEach(function (step) {
      var item = document.createElement("li");
      var state = document.createElement("span");
      item.className = "step step-" + step.state;
      state.className = "step-state";
      state.textContent = (WORDS[step.state] || step.state) + ":";
      item.appendChild(state);
      item.appendChild(document.createTextNode(" " + step.label));
      list.appendChild(item);
    });
  }

  // Polls a publish job until it has finished, then opens its page (steps and outcome).
  function follow(url, list, status) {
    var seen = "";
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (answer) {
          if (!answer.ok) { throw new Error("status " + answer.status); }
          return answer.json();
        })
        .then(function (job) {
          var drawn = JSON.stringify(job.steps);
          if (drawn !== seen) {
            seen = drawn;
            drawSteps(list, job.steps);
            var now = job.steps.filter(function (s) { return s.state === "running"; })[0];
            if (now && status) { status.textContent = now.label; }
          }
          if (job.finished) { window.location.assign(job.page); } else {
            setTimeout(poll, POLL_MS);
          }
        })
        .catch(function () {
          if (status) {
            status.textContent = "Lost touch with the console: reload the page to see " +
              "whether the FAQs were published.";
          }
        });
    }
    poll();
  }

  function enhancePublish(form) {
    var list = document.getElementById("publish-steps");
    var status = form.querySelector(".busy");
    form.addEventListener("submit", function (event) {
      if (!list || !window.fetch) { return; }  // the plain POST
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      if (status) { status.textContent = "Publishing…"; }
      fetch(form.getAttribute("data-publish"), {
        method: "POST", credentials: "same-origin",
        headers: { Accept: "application/json" },
        body: new URLSearchParams(new FormData(form))
      }).then(function (answer) {
        if (answer.status !== 202) { throw new Error("status " + answer.status); }
        return answer.json();
      }).then(function (job) {
        drawSteps(list, job.steps);
        follow(job.status_url, list, status);
      }).catch(function () {
        form.submit();  // no background job: publish the plain way
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        var status = form.querySelector(".busy");
        if (status) { status.textContent = form.getAttribute("data-busy"); }
        if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      });
    });
    document.querySelectorAll("form[data-publish]").forEach(enhancePublish);
    var running = document.querySelector("#publish-steps[data-status-url]");
    if (running) {
      follow(running.getAttribute("data-status-url"), running,
             document.querySelector("form[data-publish] .busy"));
    }
    var message = document.getElementById("outcome") || document.getElementById("conflict");
    if (message) { message.focus(); }
  });
}());
