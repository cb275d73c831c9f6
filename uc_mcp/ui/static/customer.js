/* The customer card: renders ultracart_customer_overview (identity + parts) or ultracart_get_customer /
   ultracart_get_customer_by_email (the raw record), with buttons that call the read tools for more. */
(function () {
  var h = UC.h, append = UC.append, replace = UC.replace, present = UC.present, money = UC.money, day = UC.day;

  function pick(addresses, flag) {
    if (!Array.isArray(addresses)) return addresses && typeof addresses === "object" ? addresses : null;
    var flagged = addresses.filter(function (address) { return address && address[flag] === true; });
    return flagged[0] || addresses[0] || null;
  }

  function fullName(address) {
    if (!address) return null;
    return [address.first_name, address.last_name].filter(present).join(" ") || null;
  }

  // One shape for both results.
  function normalise(data) {
    var c = data.customer || {};
    var raw = !("api_calls" in data); // the overview always reports its API calls; a record never does
    var billing = pick(c.billing, "default_billing");
    var shipping = pick(c.shipping, "default_shipping");
    var tags = (c.tags || []).map(function (tag) { return tag && typeof tag === "object" ? tag.tag_value : tag; });
    var tiers = (c.pricing_tiers || []).map(function (tier) { return tier && typeof tier === "object" ? tier.name : tier; });
    return {
      oid: c.customer_profile_oid,
      email: c.email,
      name: raw ? fullName(billing) || fullName(shipping) : c.name,
      company: raw ? (billing && billing.company) || null : c.company,
      signup: c.signup_dts,
      modified: c.last_modified_dts,
      billing: billing,
      shipping: shipping,
      tags: tags.filter(present),
      tiers: tiers.filter(present),
      notes: c.business_notes,
      orders: raw ? c.orders_summary : data.orders,
      loyalty: raw ? c.loyalty : data.loyalty,
      storeCredit: raw ? null : data.store_credit,
      wishlist: raw ? null : data.wishlist,
      emailLists: raw ? null : data.email_lists,
      isOverview: !raw,
      sandbox: data.sandbox === true,
      notice: data.notice,
    };
  }

  function addressText(address) {
    if (!address) return null;
    var place = [address.city, [address.state_region, address.postal_code].filter(present).join(" ")].filter(present).join(", ");
    var lines = [
      fullName(address),
      address.company,
      address.address1,
      address.address2,
      place,
      address.country_code,
      address.day_phone,
    ].filter(present);
    return lines.length ? lines.join("\n") : null;
  }

  function panel(title, body, wide) {
    return h("section", { class: "panel" + (wide ? " wide" : "") }, h("h2", { text: title }), body);
  }

  /* -- ledger chart: the running balance over the entries, oldest first ------------------------------- */

  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attributes) {
    var element = document.createElementNS(SVG, tag);
    Object.keys(attributes || {}).forEach(function (name) { element.setAttribute(name, String(attributes[name])); });
    return element;
  }

  // Time runs left to right in proportion (equal steps when the dates are all the same).
  function ledgerChart(entries, complete) {
    var points = entries
      .filter(function (entry) { return entry && isFinite(Number(entry.amount)) && !isNaN(Date.parse(entry.entry_dts)); })
      .slice()
      .sort(function (a, b) { return Date.parse(a.entry_dts) - Date.parse(b.entry_dts); });
    if (!points.length) return null;
    var running = 0;
    var balances = points.map(function (entry) { running += Number(entry.amount); return running; });
    var low = Math.min.apply(null, balances.concat([0]));
    var high = Math.max.apply(null, balances.concat([0]));
    var span = high - low || 1;
    var width = 300, height = 90, pad = 6;
    var first = Date.parse(points[0].entry_dts), last = Date.parse(points[points.length - 1].entry_dts);
    var period = last - first;
    function x(index) {
      var share = period > 0 ? (Date.parse(points[index].entry_dts) - first) / period : index / points.length;
      return (pad + share * (width - 2 * pad) * 0.94).toFixed(1); // the last balance keeps a little room
    }
    function y(value) { return (height - pad - ((value - low) / span) * (height - 2 * pad)).toFixed(1); }
    var path = "M" + x(0) + " " + y(0);
    balances.forEach(function (value, index) {
      path += " V" + y(value) + " H" + (index + 1 < points.length ? x(index + 1) : width - pad);
    });
    var area = path + " V" + y(low) + " H" + x(0) + " Z";
    var title = (complete ? "Store credit balance over " : "Running change over the last ") + points.length + " ledger entries";
    var chart = svg("svg", { class: "chart", viewBox: "0 0 " + width + " " + height, preserveAspectRatio: "none", role: "img", "aria-label": title });
    var label = svg("title");
    label.textContent = title;
    chart.appendChild(label);
    chart.appendChild(svg("line", { class: "zero", x1: 0, x2: width, y1: y(0), y2: y(0) }));
    chart.appendChild(svg("path", { class: "area", d: area }));
    chart.appendChild(svg("path", { class: "line", d: path }));
    return h(
      "div",
      { class: "ledger-chart" },
      chart,
      h(
        "div",
        { class: "chart-axis muted" },
        h("span", { text: day(points[0].entry_dts) }),
        h("span", { text: (complete ? "balance " : "change ") + money(running) }),
        h("span", { text: day(points[points.length - 1].entry_dts) })
      )
    );
  }

  function ledgerTable(entries) {
    if (!entries.length) return h("p", { class: "muted", text: "No ledger entries." });
    var rows = entries.map(function (entry) {
      return h(
        "tr",
        null,
        h("td", { "data-label": "Date", text: day(entry.entry_dts) }),
        h("td", { "data-label": "Action", text: entry.action || "" }),
        h("td", { "data-label": "Amount", class: "num", text: money(entry.amount) }),
        h("td", { "data-label": "Description", text: entry.description || "" })
      );
    });
    return h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { class: "responsive ledger" },
        h("thead", null, h("tr", null, h("th", { text: "Date" }), h("th", { text: "Action" }), h("th", { class: "num", text: "Amount" }), h("th", { text: "Description" }))),
        h("tbody", null, rows)
      )
    );
  }

  function storeCreditPanel(credit, oid) {
    var body = h("div");
    function draw(summary, entries, complete, extra) {
      replace(
        body,
        h("p", null, h("span", { class: "big store-credit-available", text: money(summary.available || 0) }), " ", h("span", { class: "muted", text: "available" })),
        UC.kv([
          ["Vesting", present(summary.vesting) ? money(summary.vesting) : null],
          ["Expiring", present(summary.expiring) ? money(summary.expiring) : null],
          ["Lifetime credited", present(summary.lifetime_credited) ? money(summary.lifetime_credited) : null],
          ["Ledger entries", summary.ledger_entries],
          ["Scheduled", summary.scheduled || null],
        ]),
        ledgerChart(entries, complete),
        ledgerTable(entries.slice().reverse()),
        extra
      );
    }
    var recent = (credit.recent || []).slice().reverse(); // oldest first
    var complete = !present(credit.ledger_entries) || credit.ledger_entries <= recent.length;
    var full = present(oid) && (credit.ledger_entries || credit.scheduled)
      ? UC.toolButton("Full ledger", "ultracart_get_customer_store_credit", { customer_profile_oid: oid }, function (result) {
          var sc = result.data.store_credit;
          if (!result.ok || !sc) return append(body, UC.messageBox("error", result.text || "No store credit."));
          var entries = (sc.past_ledgers || []).concat(sc.future_ledgers || []);
          draw({ available: sc.available, vesting: sc.vesting, expiring: sc.expiring, lifetime_credited: sc.lifetime_credited, ledger_entries: entries.length }, entries, true, null);
        }, { class: "full-ledger" })
      : null;
    draw(credit, recent, complete, full);
    return panel("Store credit", body, true);
  }

  function wishlistPanel(wishlist, oid) {
    var body = h("div");
    function items(list) {
      return h(
        "ul",
        { class: "plain wishlist" },
        list.map(function (item) {
          return h(
            "li",
            null,
            h("span", { text: "Item " + (item.merchant_item_oid !== undefined ? item.merchant_item_oid : "?") }),
            present(item.priority) ? h("span", { class: "muted", text: " · priority " + item.priority }) : null,
            present(item.comments) ? h("div", { class: "muted small", text: item.comments }) : null
          );
        })
      );
    }
    var more = present(oid)
      ? UC.toolButton("Full wishlist", "ultracart_get_customer_wish_list", { customer_profile_oid: oid }, function (result) {
          if (!result.ok) return append(body, UC.messageBox("error", result.text));
          var list = result.data.items || [];
          replace(body, h("p", { text: list.length + " item" + (list.length === 1 ? "" : "s") }), items(list));
        })
      : null;
    replace(
      body,
      h("p", { text: (wishlist.count || 0) + " item" + (wishlist.count === 1 ? "" : "s") + (wishlist.count > (wishlist.top || []).length ? ", top " + (wishlist.top || []).length + ":" : "") }),
      items(wishlist.top || []),
      wishlist.count ? more : null
    );
    return panel("Wishlist", body);
  }

  function emailListsPanel(note) {
    var body = h("div", null, h("p", { class: "muted small", text: note }));
    append(
      body,
      UC.toolButton("Store's email lists", "ultracart_get_customer_email_lists", {}, function (result) {
        if (!result.ok) return append(body, UC.messageBox("error", result.text));
        replace(
          body,
          h("p", { class: "muted small", text: note }),
          h(
            "ul",
            { class: "plain" },
            (result.data.lists || []).map(function (list) {
              return h("li", null, h("span", { text: list.name || list.email_list_uuid }), present(list.member_count) ? h("span", { class: "muted", text: " · " + list.member_count + " members" }) : null);
            })
          )
        );
      })
    );
    return panel("Email lists", body);
  }

  // The card for one customer result; `onCard` replaces it (e.g. with the overview of the same customer).
  function customerCard(data, onCard) {
    var c = normalise(data);
    var card = h("article", { class: "customer-card" });
    append(
      card,
      h(
        "div",
        { class: "header" },
        h("h1", { class: "customer-name", text: c.name || c.email || "Customer" }),
        present(c.oid) ? h("span", { class: "badge mono", text: "#" + c.oid }) : null,
        c.sandbox ? h("span", { class: "badge warn", text: "sandbox demo data" }) : null
      ),
      h(
        "p",
        null,
        present(c.email) ? h("span", { class: "customer-email", text: c.email }) : null,
        present(c.company) ? h("span", { class: "muted", text: " · " + c.company }) : null
      ),
      present(c.signup) ? h("p", { class: "muted small", text: "Customer since " + day(c.signup) + (present(c.modified) ? " · changed " + day(c.modified) : "") }) : null,
      c.tags.length || c.tiers.length
        ? h(
            "div",
            { class: "chips tags" },
            c.tags.map(function (tag) { return h("span", { class: "chip", text: tag }); }),
            c.tiers.map(function (tier) { return h("span", { class: "chip", title: "pricing tier", text: "tier: " + tier }); })
          )
        : null
    );
    var grid = h("div", { class: "grid" });
    var billing = addressText(c.billing);
    var shipping = addressText(c.shipping);
    if (billing) append(grid, panel("Billing address", h("p", { class: "address", text: billing })));
    if (shipping) append(grid, panel("Shipping address", h("p", { class: "address", text: shipping })));
    if (c.orders) {
      append(
        grid,
        panel(
          "Orders",
          UC.kv([
            ["Orders", c.orders.order_count],
            ["Total", present(c.orders.total) ? money(c.orders.total) : null],
            ["First", day(c.orders.first_order_dts)],
            ["Last", day(c.orders.last_order_dts)],
          ]) || h("p", { class: "muted", text: "No orders." })
        )
      );
    }
    if (c.loyalty) {
      append(
        grid,
        panel(
          "Loyalty",
          UC.kv([
            ["Points", c.loyalty.current_points],
            ["Pending", c.loyalty.pending_points],
            ["Tier", c.loyalty.loyalty_tier_name],
            ["Cashback", present(c.loyalty.internal_gift_certificate_balance) ? money(c.loyalty.internal_gift_certificate_balance) : null],
          ]) || h("p", { class: "muted", text: "No loyalty data." })
        )
      );
    }
    if (c.storeCredit) append(grid, storeCreditPanel(c.storeCredit, c.oid));
    if (c.wishlist) append(grid, wishlistPanel(c.wishlist, c.oid));
    if (present(c.emailLists)) append(grid, emailListsPanel(c.emailLists));
    if (present(c.notes)) append(grid, panel("Notes", h("p", { class: "notes", text: c.notes }), true));
    append(card, grid);
    if (present(c.notice)) append(card, h("p", { class: "muted small notice", text: c.notice }));
    if (!c.isOverview && present(c.oid)) {
      append(
        card,
        h(
          "div",
          { class: "actions" },
          UC.toolButton("Store credit, wishlist and more", "ultracart_customer_overview", { customer_profile_oid: c.oid }, function (result) {
            if (!result.ok) return append(card, UC.messageBox("error", result.text));
            onCard(result.data);
          })
        )
      );
    }
    return card;
  }

  UC.customerCard = customerCard;
  UC.views.customer = {
    render: function (app, result) {
      if (!result.ok) return UC.replace(app, UC.messageBox("error", result.text || "The tool failed."));
      if (!result.data.customer) return UC.replace(app, UC.messageBox("info", result.data.notice || "No customer in this result."));
      function show(data) {
        UC.replace(app, customerCard(data, show));
      }
      show(result.data);
    },
  };
})();
