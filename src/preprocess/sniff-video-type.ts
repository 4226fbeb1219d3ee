/**
 * The video containers the worker hands to ffmpeg, as sniffed from their first bytes (never from a
 * Content-Type header or a file name). The sniffed container also picks ffmpeg's demuxer (`-f`), so
 * ffmpeg never guesses a format: playlists (HLS, concat, ...) that could name other files or URLs are
 * refused before ffmpeg runs.
 */
export const SNIFFABLE_VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/webm'] as const;

export type VideoMimeType = (typeof SNIFFABLE_VIDEO_TYPES)[number];

/** ffmpeg's demuxer for each container. */
export const VIDEO_DEMUXERS: Readonly<Record<VideoMimeType, string>> = {
  'video/mp4': 'mov',
  'video/quicktime': 'mov',
  'video/webm': 'matroska',
};

// ISO-BMFF brands of image files (AVIF, HEIF): the image sniffer's, never a video here.
const IMAGE_BRANDS = new Set([
  'avif',
  'avis',
  'heic',
  'heix',
  'heim',
  'heis',
  'hevc',
  'hevx',
  'mif1',
  'msf1',
]);
// QuickTime files may start with these atoms instead of `ftyp`.
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip']);

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** The container of `bytes`, or undefined when it is not one of {@link SNIFFABLE_VIDEO_TYPES}. */
export function sniffVideoType(bytes: Uint8Array): VideoMimeType | undefined {
  if (bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    return 'video/webm'; // EBML header: WebM or Matroska (one demuxer reads both)
  }
  if (bytes.length < 12) return undefined;
  const box = ascii(bytes, 4, 8);
  if (box === 'ftyp') {
    const brand = ascii(bytes, 8, 12);
    if (IMAGE_BRANDS.has(brand)) return undefined;
    return brand === 'qt  ' ? 'video/quicktime' : 'video/mp4';
  }
  return QUICKTIME_ATOMS.has(box) ? 'video/quicktime' : undefined;
}
