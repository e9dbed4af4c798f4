# /etc/cron.d/certbot: renewal for systems without systemd (certbot-native).
#
# Does nothing when systemd runs the system: certbot.timer does the same job there
# (see `systemctl list-timers certbot.timer`). Renewal only happens for certificates that
# are due. Run from cron (no terminal), certbot sleeps a random time of up to 8 minutes
# before renewing, so the CA does not see every client at the same second.
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

0 */12 * * * root test -x /usr/bin/certbot -a \! -d /run/systemd/system && certbot -q renew
