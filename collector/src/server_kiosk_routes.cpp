// The routes kiosks call: enrolment, batches, heartbeats, their config,
// unenrolment and buddy requests.
#include <nlohmann/json.hpp>

#include "carekiosk/core/wire.hpp"
#include "server_impl.hpp"

namespace carekiosk::collector {

void Server::Impl::kioskRoutes() {
    web.Post("/v1/enroll", kMaxSmallBodyBytes,
             guarded(
                 [this](const http::Request& req, http::Response& res) {
                     auto request = core::decodeEnrollRequest(req.body);
                     if (!request) {
                         return sendError(res, request.error());
                     }
                     auto response = store.enroll(request->code, request->team);
                     if (!response) {
                         return sendError(res, response.error());
                     }
                     res.set_content(core::encodeEnrollResponse(response.value()),
                                     "application/json");
                 },
                 Limit::AddressOnly));

    // For `carekiosk-provision check`: is this kiosk's token accepted?
    web.Get(
        "/v1/ping", guarded([this](const http::Request& req, http::Response& res) {
            auto device = kioskFor(req, res);
            if (!device) {
                return;
            }
            res.set_content(
                nlohmann::json{{"device_id", device->deviceId}, {"site_id", device->siteId}}.dump(),
                "application/json");
        }));

    web.Post("/v1/batches", kMaxBodyBytes,
             guarded([this](const http::Request& req, http::Response& res) {
                 auto device = batchKiosk(req, res);
                 if (!device) {
                     return;
                 }
                 std::vector<core::RowError> badRows;
                 auto batch = core::decodeBatch(req.body, &badRows);
                 std::vector<RowRefusal> refused;
                 for (const auto& bad : badRows) {
                     refused.push_back({bad.index, bad.error.field, bad.error.message});
                 }
                 if (!batch && refused.empty()) {
                     return sendError(res, batch.error());
                 }
                 if (batch) {
                     auto stored = store.storeBatch(*device, batch.value());
                     if (!stored) {
                         return sendError(res, stored.error());
                     }
                     refused = std::move(stored->refused);
                     if (refused.empty()) {
                         res.set_content(core::encodeBatchAck(core::BatchAck{
                                             batch->batchId, stored->stored, stored->duplicate}),
                                         "application/json");
                         return;
                     }
                 }
                 sendRefusal(res, refused);
             }),
             kTokenFirst);

    web.Post("/v1/heartbeat", kMaxSmallBodyBytes,
             guarded([this](const http::Request& req, http::Response& res) {
                 auto device = kioskFor(req, res);
                 if (!device) {
                     return;
                 }
                 auto heartbeat = core::decodeHeartbeat(req.body);
                 if (!heartbeat) {
                     return sendError(res, heartbeat.error());
                 }
                 if (auto s = store.recordHeartbeat(*device, heartbeat.value()); !s) {
                     return sendError(res, s.error());
                 }
                 res.set_content("{}", "application/json");
             }),
             kTokenFirst);

    // The site's config, cached by the kiosk with ETag/If-None-Match.
    web.Get("/v1/config", guarded([this](const http::Request& req, http::Response& res) {
                auto device = kioskFor(req, res);
                if (!device) {
                    return;
                }
                auto config = store.siteConfig(device->siteId);
                if (!config) {
                    return sendError(res, config.error());
                }
                const std::string etag = "\"v" + std::to_string(config->version) + "\"";
                res.set_header("ETag", etag);
                if (req.get_header_value("If-None-Match") == etag) {
                    res.status = 304;
                    return;
                }
                res.set_content(core::encodeSiteConfigResponse({config->version, config->json}),
                                "application/json");
            }));

    web.Post("/v1/unenroll", kMaxSmallBodyBytes,
             guarded([this](const http::Request& req, http::Response& res) {
                 auto device = kioskFor(req, res);
                 if (!device) {
                     return;
                 }
                 if (auto s = store.unenrollDevice(*device); !s) {
                     return sendError(res, s.error());
                 }
                 res.set_content(
                     nlohmann::json{{"device_id", device->deviceId}, {"unenrolled", true}}.dump(),
                     "application/json");
             }),
             kTokenFirst);

    web.Post("/v1/buddy-requests", kMaxListBodyBytes,
             guarded([this](const http::Request& req, http::Response& res) {
                 auto device = kioskFor(req, res);
                 if (!device) {
                     return;
                 }
                 auto list = core::decodeBuddyRequestList(req.body);
                 if (!list) {
                     return sendError(res, list.error());
                 }
                 auto ids = store.storeBuddyRequests(*device, list.value());
                 if (!ids) {
                     return sendError(res, ids.error());
                 }
                 res.set_content(core::encodeIdList({ids.value()}), "application/json");
             }),
             kTokenFirst);
}

}  // namespace carekiosk::collector
