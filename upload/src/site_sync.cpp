#include "carekiosk/upload/site_sync.hpp"

namespace carekiosk::upload {

using core::ErrorCode;
using core::makeError;

namespace {

core::Error unexpectedAnswer(const char* what, const HttpResponse& response) {
    return makeError(ErrorCode::Rejected, std::string("the collector answered the ") + what +
                                              " with HTTP " + std::to_string(response.status) +
                                              ": " + core::errorMessageFromBody(response.body));
}

}  // namespace

std::string siteConfigEtag(int version) {
    return "\"v" + std::to_string(version) + "\"";
}

core::Status sendHeartbeat(HttpSender& sender, const UploadTarget& target,
                           const core::Heartbeat& heartbeat) {
    HttpRequest request;
    request.method = "POST";
    request.url = target.serverUrl + "/v1/heartbeat";
    request.bearerToken = target.deviceToken;
    request.body = core::encodeHeartbeat(heartbeat);
    CAREKIOSK_TRY_LET(response, sender.send(request));
    if (response->status != 200) {
        return unexpectedAnswer("heartbeat", response.value());
    }
    return {};
}

core::Result<std::optional<storage::StoredSiteConfig>> fetchSiteConfig(HttpSender& sender,
                                                                       const UploadTarget& target,
                                                                       int knownVersion) {
    HttpRequest request;
    request.url = target.serverUrl + "/v1/config";
    request.bearerToken = target.deviceToken;
    request.ifNoneMatch = siteConfigEtag(knownVersion);
    CAREKIOSK_TRY_LET(response, sender.send(request));
    if (response->status == 304) {
        return std::optional<storage::StoredSiteConfig>{};
    }
    if (response->status != 200) {
        return unexpectedAnswer("config request", response.value());
    }
    CAREKIOSK_TRY_LET(decoded, core::decodeSiteConfigResponse(response->body));
    if (decoded->version <= knownVersion) {
        return std::optional<storage::StoredSiteConfig>{};
    }
    return std::optional<storage::StoredSiteConfig>(
        storage::StoredSiteConfig{decoded->version, decoded->contentJson});
}

}  // namespace carekiosk::upload
