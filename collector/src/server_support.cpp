// The helpers every route answers with (see server_impl.hpp).
#include <cstdio>

#include "carekiosk/core/wire.hpp"
#include "html.hpp"
#include "server_impl.hpp"

namespace carekiosk::collector {

int httpStatusFor(const Error& error) {
    switch (error.code) {
        case ErrorCode::InvalidInput:
            return 400;
        case ErrorCode::Unauthorized:
            return 401;
        case ErrorCode::NotFound:
            return 404;
        case ErrorCode::Rejected:
            return 403;
        default:
            return 500;
    }
}

void sendError(http::Response& res, const Error& error, int status) {
    res.status = status ? status : httpStatusFor(error);
    if (res.status >= 500) {
        // Storage details are for the operator's log, not the client.
        std::fprintf(stderr, "collector: %s\n", error.message.c_str());
        res.set_content(core::encodeErrorBody(makeError(
                            error.code, "the collector could not store or read data; try later")),
                        "application/json");
        return;
    }
    res.set_content(core::encodeErrorBody(error), "application/json");
}

// A batch refused row by row (422): every row it can never take, so that the
// kiosk sets those aside and sends the rest again. Nothing of it was stored.
void sendRefusal(http::Response& res, const std::vector<RowRefusal>& refused) {
    core::CollectorRefusal refusal;
    refusal.code = core::toString(ErrorCode::InvalidInput);
    refusal.message = refused.front().message;
    if (refused.size() > 1) {
        refusal.message += " (and " + std::to_string(refused.size() - 1) + " more rows)";
    }
    refusal.field = refused.front().field;
    for (const auto& row : refused) {
        refusal.rows.push_back(row.index);
    }
    res.status = 422;
    res.set_content(core::encodeCollectorRefusal(refusal), "application/json");
}

// The bearer token, or empty.
std::string bearerToken(const http::Request& req) {
    const std::string header = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    return header.rfind(prefix, 0) == 0 ? header.substr(prefix.size()) : std::string();
}

// The session cookie's value, or empty.
std::string sessionToken(const http::Request& req) {
    const std::string cookies = req.get_header_value("Cookie");
    const std::string key = std::string(kSessionCookie) + "=";
    std::size_t pos = 0;
    while (pos < cookies.size()) {
        while (pos < cookies.size() && (cookies[pos] == ' ' || cookies[pos] == ';')) {
            ++pos;
        }
        const auto end = cookies.find(';', pos);
        const auto item = cookies.substr(pos, end == std::string::npos ? end : end - pos);
        if (item.rfind(key, 0) == 0) {
            return item.substr(key.size());
        }
        pos = end == std::string::npos ? cookies.size() : end + 1;
    }
    return {};
}

std::string signInPage(const std::string& message) {
    std::string page = html::pageStart("carekiosk sign in", R"(
body{max-width:28rem;margin:2rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input{width:100%;font-size:1rem;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;font-size:1rem;padding:.5rem 1.2rem;background:#1f5f8b;color:#fff;border:0;border-radius:.3rem}
.err{color:#7a2a00;font-weight:600}
)");
    page +=
        "<h1>carekiosk</h1>\n<p>Sign in with the token you were given: a manager token "
        "opens the dashboard, a facilities token the fleet (ask your carekiosk admin).</p>\n";
    if (!message.empty()) {
        page += "<p class=\"err\">" + html::escape(message) + "</p>\n";
    }
    page += R"(<form method="post" action="/signin">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form></body></html>
)";
    return page;
}

Error missingToken(const char* kind) {
    return makeError(ErrorCode::Unauthorized, std::string("this endpoint needs a valid ") + kind +
                                                  " token in the Authorization: Bearer header");
}

}  // namespace carekiosk::collector
