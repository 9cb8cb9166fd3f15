# A/B trial starts of a flashed disk, sourced by the initrd's init (and by its tests): the new
# slot's initrd marks its trial "booted" on the first start, and on a second start that finds
# "booted" (the first never reached the menu) points both boot loaders back at the other slot.
# The whole plan, and why its order leaves a bootable slot after a power cut at any point, is
# launcher/update/slot-state.ts; the file names and formats here are the same.

# Replaces FAT file $1 with stdin: FILE.new, flushed, renamed over FILE, flushed.
trial_write() {
	cat > "$1.new" && sync && mv -f "$1.new" "$1" && sync
}

# Points both boot loaders on FAT $1 at slot $2: syslinux.cfg (BIOS) first, then loader.conf (UEFI).
trial_point() {
	sed "s/^DEFAULT [ab]\([[:space:]]*\)$/DEFAULT $2\1/" "$1/syslinux/syslinux.cfg" | trial_write "$1/syslinux/syslinux.cfg" &&
		sed "s/^default vdd-[ab]\.conf\([[:space:]]*\)$/default vdd-$2.conf\1/" "$1/loader/loader.conf" | trial_write "$1/loader/loader.conf"
}

# What starting slot $2 from FAT $1 (writable) does with the trial marker; prints "boot" (no
# trial of this slot), "trial" (first start: now marked booted) or "rollback" (loaders point back).
trial_check() {
	[ -f "$1/vdd-trial.txt" ] || { echo boot; return 0; }
	read -r trial_slot trial_phase < "$1/vdd-trial.txt"
	[ "$trial_slot" = "$2" ] || { echo boot; return 0; }
	case $trial_phase in
	pending)
		echo "$2 booted" | trial_write "$1/vdd-trial.txt" || return 1
		echo trial
		;;
	booted)
		if [ "$2" = a ]; then trial_back=b; else trial_back=a; fi
		trial_point "$1" "$trial_back" && rm -f "$1/vdd-trial.txt" && sync || return 1
		# Word for the launcher, which reports it to the broker's admins (best effort).
		echo "slot $2 did not reach the menu on its trial start" | trial_write "$1/vdd-rollback.txt" || true
		echo rollback
		;;
	*) echo boot ;;
	esac
}
