// The bundled end-of-life table (docs/imageos.md): the dates the distributions published for
// the end of their releases' support, each with where it was published. Data only; it is
// validated like an --images.eol-file (src/model/os-eol.ts) when the exporter starts, and
// test/unit/model/os-eol.test.ts checks it.
//
// What "end of life" means here, per distribution: Debian, the end of Debian security support
// (LTS is a separate, volunteer effort, noted); Ubuntu, the end of standard support (Ubuntu
// Pro's ESM is paid, noted); RHEL and UBI, the end of maintenance support; Amazon Linux, the
// end of security support; the others, the single end date they publish.
//
// How the dates were checked: each `source` is the distribution's own page. The pages
// themselves could NOT be read from the machine this table was written on (no network); every
// date is as endoflife.date lists it (https://endoflife.date/<product>, the product named above
// each entry; its repository at commit a70eca3 of 2026-08-22), and a `note` says when the
// distribution publishes only a month, or the date is a plan rather than a fact. Debian 11/12
// and Alpine 3.20-3.23 were also seen in second-hand reports agreeing with those dates.
// Set `updated` whenever the table is checked again.
import type { RawEolTable } from './os-eol';

export const BUNDLED_EOL_TABLE: RawEolTable = {
  updated: '2026-12-02',
  distributions: [
    {
      // https://endoflife.date/debian
      id: 'debian',
      version: 'major',
      cycles: [
        { cycle: '13', eol: '2028-08-09', source: 'https://www.debian.org/releases/', note: "planned: three years after the 2025-08-09 release; LTS to 2030-06-30" },
        { cycle: '12', eol: '2026-07-11', source: 'https://www.debian.org/releases/', note: "end of Debian security support (https://www.debian.org/News/2026/2026051602); LTS to 2028-06-30" },
        { cycle: '11', eol: '2024-08-14', source: 'https://www.debian.org/releases/', note: "end of Debian security support; LTS to 2026-08-31" },
        { cycle: '10', eol: '2022-09-10', source: 'https://www.debian.org/releases/', note: "end of Debian security support; LTS ended 2024-06-30" },
        { cycle: '9', eol: '2020-07-18', source: 'https://www.debian.org/releases/', note: "end of Debian security support; LTS ended 2022-06-30" },
        { cycle: '8', eol: '2018-06-17', source: 'https://www.debian.org/releases/', note: "end of Debian security support; LTS ended 2020-06-30" },
      ],
    },
    {
      // https://endoflife.date/ubuntu
      id: 'ubuntu',
      version: 'major.minor',
      cycles: [
        { cycle: '26.04', eol: '2031-04-30', source: 'https://ubuntu.com/about/release-cycle', note: "end of standard support; Canonical publishes the month (April 2031), the day is endoflife.date's" },
        { cycle: '25.10', eol: '2026-07-01', source: 'https://ubuntu.com/about/release-cycle', note: "interim release: 9 months" },
        { cycle: '25.04', eol: '2026-01-17', source: 'https://ubuntu.com/about/release-cycle', note: "interim release: 9 months" },
        { cycle: '24.10', eol: '2025-07-10', source: 'https://ubuntu.com/about/release-cycle', note: "interim release: 9 months" },
        { cycle: '24.04', eol: '2029-05-31', source: 'https://ubuntu.com/about/release-cycle', note: "end of standard support (Ubuntu Pro ESM runs longer)" },
        { cycle: '23.10', eol: '2024-07-12', source: 'https://ubuntu.com/about/release-cycle', note: "interim release: 9 months" },
        { cycle: '23.04', eol: '2024-01-20', source: 'https://ubuntu.com/about/release-cycle', note: "interim release: 9 months" },
        { cycle: '22.10', eol: '2023-07-20', source: 'https://ubuntu.com/about/release-cycle', note: "interim release: 9 months" },
        { cycle: '22.04', eol: '2027-04-01', source: 'https://ubuntu.com/about/release-cycle', note: "end of standard support; Canonical publishes the month (April 2027), the day is endoflife.date's" },
        { cycle: '20.04', eol: '2025-05-31', source: 'https://ubuntu.com/about/release-cycle', note: "end of standard support (Ubuntu Pro ESM to 2030)" },
        { cycle: '18.04', eol: '2023-05-31', source: 'https://ubuntu.com/about/release-cycle', note: "end of standard support (Ubuntu Pro ESM to 2028)" },
        { cycle: '16.04', eol: '2021-04-02', source: 'https://ubuntu.com/about/release-cycle', note: "end of standard support; Canonical published the month (April 2021), the day is endoflife.date's" },
        { cycle: '14.04', eol: '2019-04-02', source: 'https://ubuntu.com/about/release-cycle', note: "end of standard support; Canonical published the month (April 2019), the day is endoflife.date's" },
      ],
    },
    {
      // https://endoflife.date/alpine-linux
      id: 'alpine',
      version: 'major.minor',
      cycles: [
        { cycle: '3.24', eol: '2028-06-01', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.23', eol: '2027-11-01', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.22', eol: '2027-05-01', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.21', eol: '2026-11-01', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.20', eol: '2026-04-01', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.19', eol: '2025-11-01', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.18', eol: '2025-05-09', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.17', eol: '2024-11-22', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.16', eol: '2024-05-23', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.15', eol: '2023-11-01', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.14', eol: '2023-05-01', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.13', eol: '2022-11-01', source: 'https://alpinelinux.org/releases/' },
        { cycle: '3.12', eol: '2022-05-01', source: 'https://alpinelinux.org/releases/' },
      ],
    },
    {
      // https://endoflife.date/centos-stream
      id: 'centos',
      name_contains: 'Stream',
      version: 'major',
      cycles: [
        { cycle: '10', eol: '2030-05-31', source: 'https://www.centos.org/centos-stream/', note: "planned: the end of RHEL 10 full support" },
        { cycle: '9', eol: '2027-05-31', source: 'https://www.centos.org/centos-stream/', note: "planned: the end of RHEL 9 full support" },
        { cycle: '8', eol: '2024-05-31', source: 'https://www.centos.org/centos-stream/' },
      ],
    },
    {
      // https://endoflife.date/centos
      id: 'centos',
      version: 'major',
      cycles: [
        { cycle: '8', eol: '2021-12-31', source: 'https://www.centos.org/centos-linux-eol/' },
        { cycle: '7', eol: '2024-06-30', source: 'https://www.centos.org/centos-linux-eol/' },
        { cycle: '6', eol: '2020-11-30', source: 'https://www.centos.org/centos-linux-eol/' },
      ],
    },
    {
      // https://endoflife.date/rhel
      id: 'rhel',
      version: 'major',
      cycles: [
        { cycle: '10', eol: '2035-05-31', source: 'https://access.redhat.com/support/policy/updates/errata', note: "end of maintenance support; the UBI 10 images say ID \"rhel\" too" },
        { cycle: '9', eol: '2032-05-31', source: 'https://access.redhat.com/support/policy/updates/errata', note: "end of maintenance support; also UBI 9" },
        { cycle: '8', eol: '2029-05-31', source: 'https://access.redhat.com/support/policy/updates/errata', note: "end of maintenance support; also UBI 8" },
        { cycle: '7', eol: '2024-06-30', source: 'https://access.redhat.com/support/policy/updates/errata', note: "end of maintenance support; also UBI 7 (paid ELS runs longer)" },
      ],
    },
    {
      // https://endoflife.date/rocky-linux
      id: 'rocky',
      version: 'major',
      cycles: [
        { cycle: '10', eol: '2035-05-31', source: 'https://wiki.rockylinux.org/rocky/version/', note: "end of security support" },
        { cycle: '9', eol: '2032-05-31', source: 'https://wiki.rockylinux.org/rocky/version/', note: "end of security support" },
        { cycle: '8', eol: '2029-05-31', source: 'https://wiki.rockylinux.org/rocky/version/', note: "end of security support" },
      ],
    },
    {
      // https://endoflife.date/almalinux
      id: 'almalinux',
      version: 'major',
      cycles: [
        { cycle: '10', eol: '2035-05-31', source: 'https://wiki.almalinux.org/release-notes/', note: "end of security support" },
        { cycle: '9', eol: '2032-05-31', source: 'https://wiki.almalinux.org/release-notes/', note: "end of security support" },
        { cycle: '8', eol: '2029-05-31', source: 'https://wiki.almalinux.org/release-notes/', note: "end of security support" },
      ],
    },
    {
      // https://endoflife.date/amazon-linux
      id: 'amzn',
      version: 'exact',
      cycles: [
        { cycle: '2023', eol: '2029-06-30', source: 'https://aws.amazon.com/amazon-linux-2/faqs/', note: "end of security support (https://docs.aws.amazon.com/linux/al2023/ug/release-cadence.html)" },
        { cycle: '2', eol: '2026-06-30', source: 'https://aws.amazon.com/amazon-linux-2/faqs/', note: "end of support, extended by AWS from 2025-06-30" },
        { cycle: '2018.03', eol: '2023-12-31', source: 'https://aws.amazon.com/amazon-linux-2/faqs/', note: "Amazon Linux AMI (1): end of maintenance support (https://aws.amazon.com/amazon-linux-ami/faqs/)" },
      ],
    },
    {
      // https://endoflife.date/fedora
      id: 'fedora',
      version: 'major',
      cycles: [
        { cycle: '44', eol: '2027-06-02', source: 'https://docs.fedoraproject.org/en-US/releases/eol/', note: "scheduled, not yet reached (https://docs.fedoraproject.org/en-US/releases/lifecycle/)" },
        { cycle: '43', eol: '2026-12-09', source: 'https://docs.fedoraproject.org/en-US/releases/eol/', note: "scheduled, not yet reached" },
        { cycle: '42', eol: '2026-05-27', source: 'https://docs.fedoraproject.org/en-US/releases/eol/' },
        { cycle: '41', eol: '2025-12-15', source: 'https://docs.fedoraproject.org/en-US/releases/eol/' },
        { cycle: '40', eol: '2025-05-13', source: 'https://docs.fedoraproject.org/en-US/releases/eol/' },
        { cycle: '39', eol: '2024-11-26', source: 'https://docs.fedoraproject.org/en-US/releases/eol/' },
        { cycle: '38', eol: '2024-05-21', source: 'https://docs.fedoraproject.org/en-US/releases/eol/' },
        { cycle: '37', eol: '2023-12-05', source: 'https://docs.fedoraproject.org/en-US/releases/eol/' },
      ],
    },
    {
      // https://endoflife.date/opensuse
      id: 'opensuse-leap',
      version: 'major.minor',
      cycles: [
        { cycle: '16.0', eol: '2027-10-31', source: 'https://en.opensuse.org/Lifetime', note: "planned" },
        { cycle: '15.6', eol: '2026-04-30', source: 'https://en.opensuse.org/Lifetime' },
        { cycle: '15.5', eol: '2024-12-31', source: 'https://en.opensuse.org/Lifetime' },
        { cycle: '15.4', eol: '2023-12-07', source: 'https://en.opensuse.org/Lifetime' },
        { cycle: '15.3', eol: '2022-12-31', source: 'https://en.opensuse.org/Lifetime' },
      ],
    },
  ],
};
