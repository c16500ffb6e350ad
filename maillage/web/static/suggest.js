// Suggestions as one types, for the fields that name an actor or a territory.
// The forms work without it (names are resolved on the server); this only fills each field's
// <datalist> from /suggest/actors or /suggest/territories, a quarter of a second after typing stops.
(function () {
  "use strict";
  var fields = document.querySelectorAll("input[data-suggest]");
  Array.prototype.forEach.call(fields, function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null, asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value.trim();
        if (text.length < 2 || text === asked) { return; }
        asked = text;
        fetch("/suggest/" + input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text),
              {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (found) {
            if (text !== asked) { return; }
            while (list.firstChild) { list.removeChild(list.firstChild); }
            found.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.value;
              option.textContent = item.label;  // text, never markup
              list.appendChild(option);
            });
            document.body.setAttribute("data-suggested", String(found.length));
          })
          .catch(function () { /* the field still takes a name typed in full */ });
      }, 250);
    });
  });
}());
