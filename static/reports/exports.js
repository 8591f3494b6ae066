/* The progress bar of a generated report (templates/reports/export_detail.html).
 *
 * No inline script (a strict Content-Security-Policy is planned): the page carries the
 * JSON URL in data-progress-url. The bar's width is set here through the CSSOM, which
 * style-src allows, instead of a style="" attribute. Polls every 2 s until the report
 * is done or failed, then shows the download link or the error. Plain ES5.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-export-progress]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("[data-export-bar]");
  var fill = box.querySelector("[data-export-bar-fill]");
  var statusBadge = box.querySelector("[data-export-status]");
  var rowsText = box.querySelector("[data-export-rows]");
  var errorBox = document.querySelector("[data-export-error]");
  var doneBox = document.querySelector("[data-export-done]");
  var link = document.querySelector("[data-export-download]");
  var rowsTemplate = rowsText ? rowsText.textContent : "";
  var failures = 0;

  function setPercent(percent) {
    fill.style.width = percent + "%";
    fill.textContent = percent + "%";
    bar.setAttribute("aria-valuenow", String(percent));
  }

  function show(element, visible) {
    if (!element) {
      return;
    }
    element.className = element.className.replace(/(^|\s)d-none(\s|$)/, " ");
    if (!visible) {
      element.className += " d-none";
    }
  }

  function badgeClass(status) {
    if (status === "done") {
      return "text-bg-success";
    }
    if (status === "failed") {
      return "text-bg-danger";
    }
    if (status === "running") {
      return "text-bg-primary";
    }
    return "text-bg-secondary";
  }

  function update(data) {
    setPercent(data.percent);
    statusBadge.textContent = data.status_label;
    statusBadge.className = "badge " + badgeClass(data.status);
    if (rowsText) {
      /* The sentence comes translated from the server; only the figures change. */
      var numbers = rowsTemplate.match(/[\d,]+/g) || [];
      var text = rowsTemplate;
      if (numbers.length >= 2) {
        text = text.replace(numbers[0], String(data.rows_done)).replace(numbers[1], String(data.rows_total));
      }
      rowsText.textContent = text;
      rowsTemplate = text;
    }
    if (data.finished) {
      fill.className = fill.className.replace(/\s*progress-bar-(striped|animated)/g, "");
      if (data.status === "failed") {
        fill.className += " bg-danger";
        errorBox.textContent = data.error;
        show(errorBox, true);
      } else if (data.download_url) {
        link.setAttribute("href", data.download_url);
        show(doneBox, true);
      }
    }
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url, true);
    request.setRequestHeader("Accept", "application/json");
    request.onreadystatechange = function () {
      if (request.readyState !== 4) {
        return;
      }
      if (request.status === 200) {
        failures = 0;
        var data = JSON.parse(request.responseText);
        update(data);
        if (!data.finished) {
          window.setTimeout(poll, 2000);
        }
      } else if (failures < 10) {
        failures += 1;
        window.setTimeout(poll, 5000);
      }
    };
    request.send();
  }

  setPercent(parseInt(box.getAttribute("data-percent"), 10) || 0);
  if (box.getAttribute("data-finished") !== "1") {
    window.setTimeout(poll, 1000);
  }
})();
