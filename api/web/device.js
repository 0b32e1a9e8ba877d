// Enrolled kiosk tablets. An admin's enrolment link (/enrol#<device token>)
// is opened once on the tablet: the token, in the fragment, never reaches a
// server or proxy log; this page posts it once, the server answers with an
// HttpOnly cookie scripts cannot read, and the token leaves the address bar.
import { call } from './net.js';

/** device is what the server says about this browser. */
export const device = { enrolled: false, name: '' };

/** loadDevice asks whether this browser is an enrolled tablet (and renews its cookie). */
export async function loadDevice() {
  try {
    const d = await call('GET', '/v1/signing/device', { retries: 1 });
    device.enrolled = Boolean(d && d.enrolled);
    device.name = (d && d.name) || '';
  } catch {
    device.enrolled = false;
    device.name = '';
  }
  return device;
}

/** enrolFromLink posts the token from the enrolment link's fragment and forgets it. */
export async function enrolFromLink() {
  const token = decodeURIComponent(location.hash.slice(1)).trim();
  history.replaceState(null, '', location.pathname + location.search);
  if (!token) throw new Error('no token');
  const d = await call('POST', '/v1/signing/device', { body: { token }, retries: 2 });
  device.enrolled = true;
  device.name = d.name || '';
  return device;
}
