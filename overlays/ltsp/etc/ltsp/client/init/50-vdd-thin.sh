# vdd-thin's part of `ltsp init` (LTSP runs the *_main function of every script here in order,
# after reading ltsp.conf). The image has no login at all: the launcher runs as vdd on tty1. LTSP's
# PAM integration (54-pam.sh: pwmerge in Python, pam-auth-update in Perl, neither in the image)
# is therefore off whatever ltsp.conf says, so the same [clients] section can serve other images.

vdd_thin_main() {
    if [ -n "$PAM_AUTH_TYPE" ] && [ "$PAM_AUTH_TYPE" != "0" ]; then
        echo "vdd-thin: PAM_AUTH_TYPE=$PAM_AUTH_TYPE ignored: this image has no logins"
    fi
    PAM_AUTH_TYPE=0
}
