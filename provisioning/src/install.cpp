#include "carekiosk/provisioning/install.hpp"

#include "carekiosk/provisioning/enroll.hpp"

namespace carekiosk::provisioning {

using core::ErrorCode;
using core::makeError;

namespace fs = std::filesystem;

std::string serviceUnitText(const InstallOptions& o) {
    const std::string watchdog = std::to_string(o.watchdogSeconds);
    // cage runs one fullscreen Wayland client and exits with it, so systemd
    // sees the kiosk's life. The kiosk (cage's child) sends READY and WATCHDOG
    // itself, hence NotifyAccess=all. The TTY/PAM lines give cage a logind
    // session on a VT, which it needs for the display and input devices.
    return "# Written by carekiosk-provision install; re-run it to update this file.\n"
           "[Unit]\n"
           "Description=carekiosk wellbeing check-in kiosk\n"
           "Documentation=man:cage(1) file:///usr/share/doc/carekiosk/README.md\n"
           "# time-sync.target: after network time, when a source answers (an offline\n"
           "# kiosk still starts, and pauses check-ins while its clock is implausible).\n"
           "After=systemd-user-sessions.service network-online.target time-sync.target "
           "systemd-logind.service "
           "getty@" +
           o.tty +
           ".service\n"
           "Wants=network-online.target systemd-logind.service\n"
           "Conflicts=getty@" +
           o.tty +
           ".service\n"
           "ConditionPathExists=/" +
           kConfigPath +
           "\n"
           "# Never give up restarting a kiosk.\n"
           "StartLimitIntervalSec=0\n"
           "\n"
           "[Service]\n"
           "Type=notify\n"
           "NotifyAccess=all\n"
           "# The config holds the kiosk's token and stays root's (0600); systemd\n"
           "# hands the service user a private copy of it.\n"
           "LoadCredential=kiosk.json:/" +
           kConfigPath +
           "\n"
           "ExecStart=" +
           o.binDir + "/cage -- " + o.binDir +
           "/carekiosk --config %d/kiosk.json\n"
           "Restart=always\n"
           "RestartSec=2\n"
           "WatchdogSec=" +
           watchdog +
           "\n"
           "TimeoutStartSec=90\n"
           "User=" +
           o.user +
           "\n"
           "Group=" +
           o.user +
           "\n"
           "PAMName=carekiosk\n"
           "TTYPath=/dev/" +
           o.tty +
           "\n"
           "TTYReset=yes\n"
           "TTYVHangup=yes\n"
           "TTYVTDisallocate=yes\n"
           "StandardInput=tty-fail\n"
           "StandardOutput=journal\n"
           "StandardError=journal\n"
           "UtmpIdentifier=" +
           o.tty +
           "\n"
           "UtmpMode=user\n"
           "StateDirectory=carekiosk\n"
           "StateDirectoryMode=0700\n"
           "NoNewPrivileges=yes\n"
           "ProtectSystem=strict\n"
           "ProtectHome=yes\n"
           "PrivateTmp=yes\n"
           "\n"
           "[Install]\n"
           "WantedBy=graphical.target\n";
}

std::string pamSessionText() {
    return "# Written by carekiosk-provision install: the kiosk's login session\n"
           "# (pam_systemd registers it with logind, which hands cage the seat).\n"
           "auth     required pam_permit.so\n"
           "account  required pam_unix.so\n"
           "session  required pam_unix.so\n"
           "session  required pam_systemd.so\n";
}

std::string sysusersText(const InstallOptions& o) {
    return "# Written by carekiosk-provision install: the kiosk's own system user,\n"
           "# allowed to use the display and input devices.\n"
           "u " +
           o.user + " - \"carekiosk kiosk\" /" + kStateDir +
           "\n"
           "m " +
           o.user +
           " video\n"
           "m " +
           o.user +
           " input\n"
           "m " +
           o.user + " render\n";
}

core::Result<std::vector<fs::path>> install(const InstallOptions& options) {
    if (options.user.empty() ||
        options.user.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") !=
            std::string::npos) {
        return makeError(ErrorCode::InvalidInput,
                         "--user must be a lowercase system user name such as carekiosk", "--user");
    }
    if (options.watchdogSeconds < 5 || options.watchdogSeconds > 3600) {
        return makeError(ErrorCode::InvalidInput, "--watchdog-seconds must be 5 to 3600",
                         "--watchdog-seconds");
    }
    std::error_code ec;
    if (!fs::is_directory(options.root, ec)) {
        return makeError(ErrorCode::InvalidInput,
                         "--root " + options.root.string() + " is not a directory; create it first",
                         "--root");
    }
    std::vector<fs::path> written;
    const auto readable = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                          fs::perms::others_read;
    const struct {
        const char* path;
        std::string text;
    } files[] = {{kUnitPath, serviceUnitText(options)},
                 {kPamPath, pamSessionText()},
                 {kSysusersPath, sysusersText(options)}};
    for (const auto& file : files) {
        const auto path = options.root / file.path;
        fs::create_directories(path.parent_path(), ec);
        if (ec) {
            return makeError(ErrorCode::Io, "cannot create " + path.parent_path().string() + ": " +
                                                ec.message() + "; run as root, or pass --root");
        }
        CAREKIOSK_TRY(writeFileAtomically(path, file.text, readable));
        written.push_back(path);
    }
    const struct {
        const char* path;
        fs::perms mode;
    } dirs[] = {{kConfigDir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec},
                {kStateDir, fs::perms::owner_all}};
    for (const auto& dir : dirs) {
        const auto path = options.root / dir.path;
        const bool existed = fs::is_directory(path, ec);
        fs::create_directories(path, ec);
        if (ec) {
            return makeError(ErrorCode::Io, "cannot create " + path.string() + ": " + ec.message() +
                                                "; run as root, or pass --root");
        }
        if (!existed) {
            fs::permissions(path, dir.mode, ec);
            written.push_back(path);
        }
    }
    return written;
}

}  // namespace carekiosk::provisioning
