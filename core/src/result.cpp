#include "carekiosk/core/result.hpp"

namespace carekiosk::core {

const char* toString(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidInput:
            return "invalid_input";
        case ErrorCode::NotFound:
            return "not_found";
        case ErrorCode::Io:
            return "io";
        case ErrorCode::Storage:
            return "storage";
        case ErrorCode::Corrupt:
            return "corrupt";
        case ErrorCode::Network:
            return "network";
        case ErrorCode::Tls:
            return "tls";
        case ErrorCode::Unauthorized:
            return "unauthorized";
        case ErrorCode::Rejected:
            return "rejected";
        case ErrorCode::Internal:
            return "internal";
    }
    return "internal";
}

}  // namespace carekiosk::core
