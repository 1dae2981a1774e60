// The pages people open in a browser: sign-in and sign-out, the managers'
// dashboard and its message form, the fleet page, and /healthz.
#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "carekiosk/collector/dashboard.hpp"
#include "carekiosk/collector/summary_request.hpp"
#include "carekiosk/core/wire.hpp"
#include "html.hpp"
#include "server_impl.hpp"

namespace carekiosk::collector {

void Server::Impl::webRoutes() {
    web.Get("/healthz", [this](const http::Request&, http::Response& res) {
        res.set_header("Cache-Control", "no-store");
        if (auto alive = store.ping(); !alive) {
            std::fprintf(stderr, "collector: health check: %s\n", alive.error().message.c_str());
            res.status = 503;
            res.set_content("{\"status\":\"database unavailable\"}", "application/json");
            return;
        }
        res.set_content("{\"status\":\"ok\"}", "application/json");
    });
    web.Get("/signin", [](const http::Request&, http::Response& res) {
        res.set_content(signInPage(""), "text/html; charset=utf-8");
    });
    web.Post("/signin", kMaxSmallBodyBytes,
             guarded([this](const http::Request& req, http::Response& res) {
                 if (!sameOrigin(req)) {
                     return refusePage(res, "This sign-in came from another site.");
                 }
                 const std::string token = req.get_form_value("token");
                 auto caller = store.identify(token);
                 const bool manager = caller && allows(Need::Manager, caller.value());
                 const bool fleet = caller && allows(Need::FleetViewer, caller.value());
                 if (!manager && !fleet) {
                     res.status = 401;
                     res.set_content(signInPage("That token was not accepted. Check it, "
                                                "or ask your carekiosk admin for a new "
                                                "one."),
                                     "text/html; charset=utf-8");
                     return;
                 }
                 // The cookie holds a session id of its own, never the token.
                 // HttpOnly: page scripts cannot read it; Secure: HTTPS only;
                 // SameSite=Strict: other sites cannot make the browser use it.
                 auto session = store.openWebSession(token, kSessionLifetime);
                 if (!session) {
                     return sendError(res, session.error());
                 }
                 res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + session->id +
                                                  "; HttpOnly; Secure; SameSite=Strict; "
                                                  "Path=/; Max-Age=43200");
                 res.status = 303;
                 res.set_header("Location", manager ? "/" : "/fleet");
             }));
    const auto signOut = [this](const http::Request& req, http::Response& res) {
        if (req.method == "POST") {
            auto session = sessionCaller(req);
            if (session && (!sameOrigin(req) || !csrfMatches(req, *session))) {
                return refusePage(res, "This sign-out did not come from your dashboard page.");
            }
        }
        if (const std::string id = sessionToken(req); !id.empty()) {
            (void)store.closeWebSession(id);
        }
        res.set_header("Set-Cookie", std::string(kSessionCookie) +
                                         "=; HttpOnly; Secure; SameSite=Strict; Path=/; "
                                         "Max-Age=0");
        res.status = 303;
        res.set_header("Location", "/signin");
    };
    web.Get("/signout", signOut);
    web.Post("/signout", kMaxSmallBodyBytes, signOut);
    // The managers' dashboard: the same summary as GET /v1/summary, as charts.
    web.Get(
        "/", guarded([this](const http::Request& req, http::Response& res) {
            auto session = sessionCaller(req);
            auto caller = session ? std::optional<Store::Caller>(session->caller) : std::nullopt;
            if (!caller || !allows(Need::Manager, caller.value())) {
                res.status = 303;
                res.set_header("Location", caller && allows(Need::FleetViewer, caller.value())
                                               ? "/fleet"
                                               : "/signin");
                return;
            }
            auto sites = store.listSites();
            if (!sites) {
                return sendError(res, sites.error());
            }
            std::vector<SiteChoice> choices;
            for (const auto& [id, name] : sites.value()) {
                if (caller->coversSite(id)) {  // a token for some sites sees only those
                    choices.push_back({id, name});
                }
            }
            if (choices.empty()) {
                res.set_content(html::pageStart("carekiosk") +
                                    "<h1>No sites yet</h1><p>Ask your carekiosk admin to create "
                                    "one.</p></body></html>\n",
                                "text/html; charset=utf-8");
                return;
            }
            std::string site = req.get_param_value("site");
            if (std::none_of(choices.begin(), choices.end(),
                             [&](const SiteChoice& c) { return c.id == site; })) {
                site = choices.front().id;
            }
            auto request = readSummaryRequest(
                [&](const std::string& name) -> std::optional<std::string> {
                    if (!req.has_param(name)) {
                        return std::nullopt;
                    }
                    return req.get_param_value(name);
                },
                today(), FieldRules::Lenient);
            request->siteId = site;
            auto teams = store.teams(site);
            if (!teams) {
                return sendError(res, teams.error());
            }
            (void)checkTeam(request.value(), teams.value(), FieldRules::Lenient);
            auto summary = store.summary(request->query(options.minGroup));
            if (!summary) {
                return sendError(res, summary.error());
            }
            res.set_header("Cache-Control", "no-store");
            const std::string notice = req.get_param_value("posted") == "1"
                                           ? "Message posted: the kiosks show it from their "
                                             "next upload."
                                           : "";
            res.set_content(renderDashboardHtml(summary.value(), choices, teams.value(), notice,
                                                today(), session->csrf),
                            "text/html; charset=utf-8");
        }));

    // The dashboard's "you said, we did" form: the same checks as POST
    // /v1/messages, with the manager's session cookie.
    web.Post("/messages", kMaxSmallBodyBytes,
             guarded([this](const http::Request& req, http::Response& res) {
                 auto session = sessionCaller(req);
                 auto caller =
                     session ? std::optional<Store::Caller>(session->caller) : std::nullopt;
                 if (!caller || !allows(Need::Manager, caller.value())) {
                     res.status = 303;
                     res.set_header("Location", "/signin");
                     return;
                 }
                 // A cross-site post (another tab's page, a link in a mail) has
                 // neither our Origin nor the session's form token.
                 if (!sameOrigin(req) || !csrfMatches(req, *session)) {
                     return refusePage(res,
                                       "This form did not come from your dashboard page (or the "
                                       "page is older than your sign-in). Open the dashboard "
                                       "again and post from there.");
                 }
                 const std::string site = req.get_param_value("site");
                 auto message = core::decodePostedMessage(nlohmann::json{
                     {"site", site},
                     {"text", req.get_param_value("text")},
                     {"from", req.get_param_value("from")},
                     {"to", req.get_param_value("to")}}.dump());
                 core::Status posted = message ? core::Status{} : core::Status{message.error()};
                 if (posted) {
                     if (auto refused = siteNotCovered(caller.value(), site)) {
                         posted = *refused;
                     }
                 }
                 if (posted) {
                     if (auto id = store.postMessage(message.value()); !id) {
                         posted = id.error();
                     }
                 }
                 if (!posted) {
                     res.status = posted.error().code == ErrorCode::InvalidInput ? 400 : 403;
                     res.set_content(html::pageStart("carekiosk: message not posted") +
                                         "<h1>The message was not posted</h1><p>" +
                                         html::escape(posted.error().message) +
                                         "</p><p><a href=\"/?site=" + html::escape(site) +
                                         "\">Back to the dashboard</a></p></body></html>\n",
                                     "text/html; charset=utf-8");
                     return;
                 }
                 res.status = 303;
                 res.set_header("Location", "/?site=" + site + "&posted=1");
             }));

    web.Get("/fleet", guarded([this](const http::Request& req, http::Response& res) {
                auto session = sessionCaller(req);
                if (!session || !allows(Need::FleetViewer, session->caller)) {
                    res.status = 303;
                    res.set_header("Location", "/signin");
                    return;
                }
                auto fleet = currentFleet();
                if (!fleet) {
                    return sendError(res, fleet.error());
                }
                res.set_header("Cache-Control", "no-store");
                res.set_content(renderFleetHtml(fleet.value(), options.fleetRules),
                                "text/html; charset=utf-8");
            }));
}

}  // namespace carekiosk::collector
