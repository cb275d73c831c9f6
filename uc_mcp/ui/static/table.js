/* The result table: ultracart_get_customers, ultracart_get_customers_by_query, ultracart_find_customers.
   Sortable columns (this page), the total, paging that calls the same tool again with the next offset, and a
   row that opens the customer card (ultracart_customer_overview). */
(function () {
  var h = UC.h, append = UC.append, replace = UC.replace, present = UC.present;
  var LABELS = {
    customer_profile_oid: "ID",
    email: "Email",
    name: "Name",
    company: "Company",
    city: "City",
    state: "State",
    country: "Country",
    signup_date: "Signed up",
    last_modified_date: "Changed",
    tag_count: "Tags",
    matched: "Why it matched",
  };

  // Rows as objects, and the columns in order, whether the result is a table (columns + arrays) or objects.
  function rowsOf(data) {
    var items = Array.isArray(data.items) ? data.items : [];
    if (Array.isArray(data.columns)) {
      return {
        columns: data.columns,
        rows: items.map(function (item) {
          var row = {};
          data.columns.forEach(function (column, index) { row[column] = Array.isArray(item) ? item[index] : null; });
          return row;
        }),
      };
    }
    var columns = [];
    items.forEach(function (item) {
      Object.keys(item || {}).forEach(function (key) { if (columns.indexOf(key) < 0) columns.push(key); });
    });
    return { columns: columns, rows: items.map(function (item) { return item || {}; }) };
  }

  function cellText(value) {
    if (!present(value)) return "";
    if (Array.isArray(value)) return value.map(cellText).join(", ");
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function compare(a, b) {
    var x = a === null || a === undefined ? "" : a;
    var y = b === null || b === undefined ? "" : b;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return cellText(x).localeCompare(cellText(y), undefined, { numeric: true, sensitivity: "base" });
  }

  function render(app, result) {
    if (!result.ok) return replace(app, UC.messageBox("error", result.text || "The tool failed."));
    var data = result.data;
    var call = result.call;
    var table = rowsOf(data);
    // A column empty on every row of this page takes room and says nothing.
    table.columns = table.columns.filter(function (column) {
      return column === "customer_profile_oid" || table.rows.some(function (row) { return present(row[column]); });
    });
    var sort = { column: null, direction: 1 };
    var view = h("section", { class: "customer-table" });
    var args = (call && call.arguments) || {};
    var offset = Number(args.offset) || 0;
    var limit = Number(args.limit) || table.rows.length || 50;

    function summary() {
      var shown = table.rows.length;
      if (data.next_offset === undefined || (call && call.tool === "ultracart_find_customers")) {
        return shown + (present(data.total) && data.total !== shown ? " of " + data.total : "") + " match" + (shown === 1 ? "" : "es");
      }
      if (!shown) return "No customers" + (present(data.total) ? " (total " + data.total + ")" : "");
      return offset + 1 + "–" + (offset + shown) + (present(data.total) ? " of " + data.total : "");
    }

    function page(newOffset, button) {
      button.disabled = true;
      var next = {};
      Object.keys(args).forEach(function (key) { next[key] = args[key]; });
      next.offset = newOffset;
      UC.callTool(call.tool, next).then(
        function (answer) {
          if (!answer.call || !answer.call.arguments || answer.call.arguments.offset !== newOffset) answer.call = { tool: call.tool, arguments: next };
          render(app, answer);
        },
        function (error) { button.disabled = false; append(view, UC.messageBox("error", String(error.message || error))); }
      );
    }

    function open(row) {
      var oid = row.customer_profile_oid;
      if (!present(oid)) return;
      var back = h("button", { class: "back", onclick: function () { replace(app, view); } }, "← Back to the list");
      replace(app, back, UC.messageBox("info", "Loading customer #" + oid + "…"));
      UC.callTool("ultracart_customer_overview", { customer_profile_oid: oid }).then(
        function (answer) {
          if (!answer.ok) return replace(app, back, UC.messageBox("error", answer.text));
          function show(customer) { replace(app, back, UC.customerCard(customer, show)); }
          show(answer.data);
        },
        function (error) { replace(app, back, UC.messageBox("error", String(error.message || error))); }
      );
    }

    var tbody = h("tbody");
    function drawRows() {
      var rows = table.rows.slice();
      if (sort.column) rows.sort(function (a, b) { return sort.direction * compare(a[sort.column], b[sort.column]); });
      replace(
        tbody,
        rows.map(function (row) {
          var clickable = present(row.customer_profile_oid);
          var tr = h(
            "tr",
            { class: clickable ? "clickable" : null, tabindex: clickable ? 0 : null, title: clickable ? "Open the customer card" : null },
            table.columns.map(function (column) {
              var kind = typeof row[column] === "number" ? "num" : column === "matched" || (row[column] && typeof row[column] === "object") ? "wrap" : null;
              return h("td", { "data-label": LABELS[column] || UC.label(column), class: kind, text: cellText(row[column]) });
            })
          );
          if (clickable) {
            tr.addEventListener("click", function () { open(row); });
            tr.addEventListener("keydown", function (event) { if (event.key === "Enter") open(row); });
          }
          return tr;
        })
      );
    }

    var headers = table.columns.map(function (column) {
      var th = h("th", { scope: "col", "aria-sort": "none" });
      var button = h("button", { type: "button", title: "Sort this page" }, LABELS[column] || UC.label(column));
      button.addEventListener("click", function () {
        sort.direction = sort.column === column ? -sort.direction : 1;
        sort.column = column;
        headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", sort.direction > 0 ? "ascending" : "descending");
        drawRows();
      });
      th.appendChild(button);
      return th;
    });
    drawRows();

    append(
      view,
      h(
        "div",
        { class: "header" },
        h("h1", { text: call && call.tool === "ultracart_find_customers" ? "Customers found" : "Customers" }),
        h("span", { class: "badge total", text: summary() }),
        data.sandbox === true ? h("span", { class: "badge warn", text: "sandbox demo data" }) : null
      ),
      present(data.notice) ? h("p", { class: "muted small notice", text: data.notice }) : null,
      table.rows.length
        ? h("div", { class: "scroll" }, h("table", { class: "responsive results" }, h("thead", null, h("tr", null, headers)), tbody))
        : h("p", { class: "muted", text: "No rows." })
    );
    var pager = h("div", { class: "pager" });
    if (call && data.next_offset !== undefined && call.tool !== "ultracart_find_customers") {
      if (offset > 0) {
        var previous = h("button", { class: "previous" }, "← Previous");
        previous.addEventListener("click", function () { page(Math.max(0, offset - limit), previous); });
        append(pager, previous);
      }
      if (present(data.next_offset)) {
        var following = h("button", { class: "next" }, "Next →");
        following.addEventListener("click", function () { page(data.next_offset, following); });
        append(pager, following);
      }
    }
    if (table.rows.length && present(table.rows[0].customer_profile_oid)) {
      append(pager, h("span", { class: "muted small", text: "Click a row for the customer card." }));
    }
    append(view, pager);
    replace(app, view);
  }

  UC.views.table = { render: render };
})();
