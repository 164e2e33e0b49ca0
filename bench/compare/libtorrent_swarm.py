#!/usr/bin/python3
"""libtorrent anchor for `npm run bench:compare`: one seeder and N-1 leechers as
libtorrent sessions in one process, on loopback, TCP only, no tracker, DHT, LSD,
UPnP or NAT-PMP. Every peer connects directly to every peer started before it
(as swarmlab peers dial the peers listed before them).

Prints one JSON line: seconds from the first connection until every leecher
holds the whole file (the same window `peer swarm` reports), and the process's
peak RSS.

usage: libtorrent_swarm.py --file SEED_FILE --piece-size BYTES --work DIR [--peers 5] [--timeout 600]
"""
import argparse
import json
import os
import resource
import shutil
import sys
import time

import libtorrent as lt


def make_torrent(path, piece_size, out):
    fs = lt.file_storage()
    lt.add_files(fs, path)
    # v1 only: SHA-1 per piece, as BitTorrent clients have hashed for years (a hybrid would hash twice).
    t = lt.create_torrent(fs, piece_size, flags=lt.create_torrent.v1_only)
    lt.set_piece_hashes(t, os.path.dirname(path))
    with open(out, 'wb') as f:
        f.write(lt.bencode(t.generate()))


def new_session():
    return lt.session({
        'listen_interfaces': '127.0.0.1:0',
        'enable_dht': False,
        'enable_lsd': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        # TCP only, like the other two systems.
        'enable_outgoing_utp': False,
        'enable_incoming_utp': False,
        # Every peer is 127.0.0.1 with its own port.
        'allow_multiple_connections_per_ip': True,
        'alert_mask': lt.alert.category_t.status_notification | lt.alert.category_t.error_notification,
    })


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--file', required=True)
    ap.add_argument('--piece-size', type=int, required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--peers', type=int, default=5)
    ap.add_argument('--timeout', type=float, default=600)
    a = ap.parse_args()

    seed_file = os.path.abspath(a.file)
    st = os.stat(seed_file)
    # Made once per seed file and piece size (hashing 1 GiB takes seconds), outside the measured window.
    torrent_file = os.path.join(a.work, 'anchor-%d-%d-%d.torrent' % (a.piece_size, st.st_size, st.st_mtime_ns))
    if not os.path.exists(torrent_file):
        make_torrent(seed_file, a.piece_size, torrent_file)
    info = lt.torrent_info(torrent_file)

    sessions = [new_session() for _ in range(a.peers)]
    handles = []
    for i, ses in enumerate(sessions):
        if i == 0:
            save = os.path.dirname(seed_file)
        else:
            save = os.path.join(a.work, 'lt_peer_%d' % i)
            shutil.rmtree(save, ignore_errors=True)
            os.makedirs(save)
        handles.append(ses.add_torrent({'ti': info, 'save_path': save}))

    # The seeder checks its copy before anyone connects: outside the measured window, as for the others.
    deadline = time.monotonic() + a.timeout
    while not handles[0].status().is_seeding:
        st = handles[0].status()
        if st.state not in (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data) and st.progress < 1:
            sys.exit('libtorrent: the seeder\'s file does not match the torrent (state %s)' % st.state)
        if time.monotonic() > deadline:
            sys.exit('libtorrent: seeder never finished checking its file')
        time.sleep(0.01)
    for ses in sessions:
        ses.pop_alerts()

    ports = [ses.listen_port() for ses in sessions]
    started = time.monotonic()
    for i in range(1, a.peers):
        for j in range(i):
            handles[i].connect_peer(('127.0.0.1', ports[j]))

    done = set()
    while len(done) < a.peers - 1:
        if time.monotonic() > deadline:
            sys.exit('libtorrent: timed out with %d of %d leechers complete' % (len(done), a.peers - 1))
        sessions[0].wait_for_alert(5)
        for i in range(1, a.peers):
            if i in done:
                continue
            for alert in sessions[i].pop_alerts():
                if isinstance(alert, lt.torrent_finished_alert):
                    done.add(i)
                    break
        # torrent_finished_alert can be missed if posted before a pop in the same instant: check status too.
        for i in range(1, a.peers):
            if i not in done and handles[i].status().is_seeding:
                done.add(i)
    seconds = time.monotonic() - started

    for ses, h in zip(sessions, handles):
        ses.remove_torrent(h)
    for i in range(1, a.peers):
        shutil.rmtree(os.path.join(a.work, 'lt_peer_%d' % i), ignore_errors=True)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'seconds': seconds, 'peakRssMiB': rss_mib, 'version': lt.__version__}))


if __name__ == '__main__':
    main()
