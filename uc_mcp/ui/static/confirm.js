/* The confirmation card of a guarded tool. It renders the token path's preview: the action, the target as it
   is now, the exact change, and Confirm / Cancel. Confirm calls the same tool with the same arguments and
   confirm=<token> (exactly one call); Cancel calls the provider's app-only <provider>_decline_confirmation
   (named in the preview's _meta, as is the action's title) with the
   token's cancel key, which withdraws the token and records the decline — it never sends the token. The card
   holds nothing the model does not hold: with UC_MCP_CONFIRM_FALLBACK=deny there is no token, and the card
   shows the refusal. */
(function () {
  var h = UC.h, append = UC.append, replace = UC.replace, present = UC.present, money = UC.money;
  var DECLINE_TOOL = "ultracart_decline_confirmation"; // when the preview's _meta names none
  var MONEY = ["added", "available_now", "adjustment_amount", "balance_amount"];
  var TITLES = {
    ultracart_delete_customer: "Delete a customer",
    ultracart_merge_customer: "Merge two customers",
    ultracart_add_customer_store_credit: "Add store credit",
    ultracart_adjust_internal_certificate: "Adjust cashback",
    ultracart_delete_wish_list_item: "Delete a wishlist item",
    ultracart_get_magic_link: "Create a login link",
  };

  function who(customer) {
    customer = customer || {};
    var place = [customer.city, [customer.state, customer.country].filter(present).join(" ")].filter(present).join(", ");
    return h(
      "div",
      { class: "party" },
      h("div", null, h("strong", { class: "party-name", text: customer.name || customer.email || "Customer" }), present(customer.customer_profile_oid) ? h("span", { class: "badge mono", text: " #" + customer.customer_profile_oid }) : null),
      present(customer.email) ? h("div", { class: "party-email", text: customer.email }) : null,
      present(customer.company) ? h("div", { class: "muted small", text: customer.company }) : null,
      place ? h("div", { class: "muted small", text: place }) : null,
      present(customer.signup_date) ? h("div", { class: "muted small", text: "Customer since " + customer.signup_date }) : null
    );
  }

  function panel(title, body, extraClass) {
    return h("section", { class: "panel " + (extraClass || "") }, h("h2", { text: title }), body);
  }

  // The exact change, by action; anything unknown is listed as it is.
  function change(tool, preview) {
    var known = ["action", "customer", "surviving", "merged_away", "moves", "item"];
    if (tool === "ultracart_add_customer_store_credit" || present(preview.amount)) {
      var after = present(preview.available_now) ? Number(preview.available_now) + Number(preview.amount) : null;
      return h(
        "div",
        { class: "change" },
        h("p", null, "Add ", h("strong", { class: "amount", text: money(preview.amount) }), " store credit"),
        present(preview.available_now)
          ? h("p", { class: "balance" }, "Available now ", h("span", { class: "available-now", text: money(preview.available_now) }), " → after ", h("span", { class: "available-after", text: money(after) }), h("span", { class: "muted small", text: " (once vested)" }))
          : null,
        present(preview.description) ? h("p", { class: "muted", text: "Description: " + preview.description }) : null
      );
    }
    if (present(preview.adjustment_amount)) {
      var amount = Number(preview.adjustment_amount);
      return h("div", { class: "change" }, h("p", null, amount < 0 ? "Remove " : "Add ", h("strong", { class: "amount", text: money(Math.abs(amount)) }), " cashback"));
    }
    if (preview.surviving && preview.merged_away) {
      var moves = preview.moves || {};
      var from = preview.merged_away.customer_profile_oid, to = preview.surviving.customer_profile_oid;
      return h(
        "div",
        { class: "change" },
        h("p", { text: "Moves from #" + from + " to #" + to + ":" }),
        h(
          "ul",
          { class: "plain moves" },
          h("li", { text: "Store credit: " + money(moves.store_credit_available || 0) + " available" }),
          h("li", { text: "Wishlist: " + (moves.wishlist_items || 0) + " item" + (moves.wishlist_items === 1 ? "" : "s") }),
          h("li", { text: "Addresses, tags and email lists" })
        ),
        h("p", { class: "muted", text: "Then #" + from + " is deleted. This cannot be undone." })
      );
    }
    if (preview.item) {
      return h(
        "div",
        { class: "change" },
        h("p", { text: "Remove item " + preview.item.merchant_item_oid + " (wishlist entry #" + preview.item.customer_wishlist_item_oid + ")" }),
        present(preview.item.comments) ? h("p", { class: "muted", text: "Comment: " + preview.item.comments }) : null
      );
    }
    if (present(preview.storefront)) {
      return h("div", { class: "change" }, h("p", null, "Create a login link on ", h("strong", { text: preview.storefront })), h("p", { class: "muted", text: "Anyone holding the link can act as this customer." }));
    }
    if (tool === "ultracart_delete_customer") {
      return h("div", { class: "change" }, h("p", { text: "Delete the customer with addresses, store credit, wishlist and email-list memberships." }), h("p", { class: "muted", text: "This cannot be undone." }));
    }
    return UC.kv(Object.keys(preview).filter(function (key) { return known.indexOf(key) < 0; }).map(function (key) { return [UC.label(key), String(preview[key])]; }));
  }

  function expiry(token) {
    var seconds = Number(String(token).split(".")[1]);
    if (!isFinite(seconds) || seconds <= 0) return null;
    var at = new Date(seconds * 1000);
    return at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function outcome(app, card, result, call, offerFresh) {
    var data = result.data || {};
    var status = data.status;
    var box;
    if (!result.ok) {
      box = UC.messageBox("error", result.text || "The action failed.");
    } else if (status === "executed") {
      var details = Object.keys(data).filter(function (key) { return ["status", "sandbox"].indexOf(key) < 0; });
      box = h(
        "div",
        { class: "message ok", role: "status" },
        h("strong", { text: "Done." }),
        UC.kv(
          details.map(function (key) {
            var value = data[key];
            if (typeof value === "number" && MONEY.indexOf(key) >= 0) return [UC.label(key), money(value)];
            return [UC.label(key), typeof value === "object" ? JSON.stringify(value) : String(value)];
          })
        )
      );
    } else if (status === "declined") {
      box = UC.messageBox("info", data.notice || "Declined: nothing was done.");
    } else {
      return render(app, result);
    }
    append(card, box);
    if (offerFresh && !result.ok && call && call.tool) {
      var args = {};
      Object.keys(call.arguments || {}).forEach(function (key) { if (key !== "confirm") args[key] = call.arguments[key]; });
      append(
        card,
        h("div", { class: "actions" }, UC.toolButton("Show a fresh preview", call.tool, args, function (fresh) { render(app, fresh); }))
      );
    }
  }

  function render(app, result) {
    var data = result.data || {};
    var call = result.call;
    var tool = call && call.tool;
    var card = h("article", { class: "confirm" });
    var title = call.title || TITLES[tool] || (data.preview && data.preview.action ? UC.label(data.preview.action) : "Confirmation");
    if (!result.ok || data.status !== "confirmation_required") {
      append(card, h("div", { class: "header" }, h("h1", { text: title })));
      replace(app, card);
      return outcome(app, card, result, call, false);
    }
    var preview = data.preview || {};
    append(
      card,
      h("div", { class: "header" }, h("h1", { text: "Confirm: " + title }), data.sandbox === true ? h("span", { class: "badge warn", text: "sandbox demo data" }) : null),
      present(data.question) ? h("p", { class: "question", text: data.question }) : null
    );
    if (preview.surviving && preview.merged_away) {
      append(
        card,
        h(
          "div",
          { class: "parties" },
          panel("Merged away", who(preview.merged_away), "merged-away"),
          h("span", { class: "arrow", "aria-hidden": "true", text: "→" }),
          panel("Surviving", who(preview.surviving), "surviving")
        )
      );
    } else if (preview.customer) {
      append(card, panel("Customer as it is now", who(preview.customer), "target"));
    }
    append(card, panel("The change", change(tool, preview), "the-change"));
    var status = h("div");
    var actions = h("div", { class: "actions" });
    var token = data.confirm;
    var confirmButton = h("button", { class: "danger confirm-button", type: "button" }, "Confirm");
    var cancelButton = h("button", { class: "cancel-button", type: "button" }, "Cancel");
    var done = false;

    var note = h("p", { class: "muted small" });
    function finish() {
      done = true;
      confirmButton.disabled = true;
      cancelButton.disabled = true;
      replace(note);
    }

    if (!token || !tool) {
      append(card, UC.messageBox("error", "This preview carries no confirmation token, so it cannot be confirmed here."));
      replace(app, card);
      return;
    }
    confirmButton.addEventListener("click", function () {
      if (done) return;
      finish();
      replace(status, UC.messageBox("info", "Working…"));
      var args = {};
      Object.keys(call.arguments || {}).forEach(function (key) { args[key] = call.arguments[key]; });
      args.confirm = token;
      UC.callTool(tool, args).then(
        function (answer) {
          replace(status);
          outcome(app, card, answer, { tool: tool, arguments: args }, true);
          UC.tellModel("The user pressed Confirm on the " + tool + " confirmation card: " + (answer.ok ? answer.data.status || "done" : "it failed: " + answer.text));
        },
        function (error) { replace(status, UC.messageBox("error", String(error.message || error))); }
      );
    });
    cancelButton.addEventListener("click", function () {
      if (done) return;
      finish();
      var told = "The user pressed Cancel on the " + tool + " confirmation card: nothing was done; do not retry unless they ask again.";
      if (!call.cancel) {
        replace(status, UC.messageBox("info", "Cancelled: nothing was done."));
        UC.tellModel(told);
        return;
      }
      UC.callTool(call.decline || DECLINE_TOOL, { tool: tool, arguments: call.arguments || {}, cancel: call.cancel }).then(
        function (answer) {
          replace(status, UC.messageBox(answer.ok ? "info" : "error", answer.ok ? answer.data.notice || "Cancelled: nothing was done." : answer.text));
          UC.tellModel(told);
        },
        function (error) { replace(status, UC.messageBox("error", String(error.message || error))); }
      );
    });
    append(actions, confirmButton, cancelButton);
    var until = expiry(token);
    note.textContent = "Nothing happens until you confirm." + (until ? " The confirmation works once, until " + until + "." : "");
    append(card, actions, note, status);
    replace(app, card);
  }

  UC.views.confirm = { render: render };
})();
