/**
 * Services' names as people know them: ids are lower-case slugs ("whatsapp"), brands are not
 * ("WhatsApp"). A brand is not translated, so this is data beside the ids, not a catalogue entry.
 */
export const SERVICE_NAMES: Readonly<Record<string, string>> = {
  twitter: 'Twitter',
  facebook: 'Facebook',
  instagram: 'Instagram',
  whatsapp: 'WhatsApp',
  youtube: 'YouTube',
  discord: 'Discord',
  rogers: 'Rogers',
};

/**
 * The display name of a service id: the known brand, else the id with a capital ("mastodon" reads
 * "Mastodon"); a kept simulation run (`twitter~sim`) reads as its service's name.
 */
export function serviceName(id: string): string {
  const base = id.split('~')[0] ?? id;
  return SERVICE_NAMES[base] ?? base.charAt(0).toUpperCase() + base.slice(1);
}
