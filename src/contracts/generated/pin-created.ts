// Generated from schemas/pin_created.avsc by scripts/schemas/generate-types.ts. Do not edit: change the
// schema and run `npm run schemas:types`.

/** The pin's image as stored by the pin service. */
export interface PinImage {
  /** HTTP(S) URL the image bytes are fetched from. */
  url: string;
  /** Upstream content hash of the image bytes (the same bytes give the same signature); null when unknown, then the worker hashes the bytes itself. Default: null. */
  signature: string | null;
  /** Width in pixels as reported upstream; null when unknown. Default: null. */
  width: number | null;
  /** Height in pixels as reported upstream; null when unknown. Default: null. */
  height: number | null;
  /** MIME type as reported upstream (e.g. image/jpeg); null when unknown. The worker sniffs the real type. Default: null. */
  mime: string | null;
}

/** The pin's video as stored by the pin service. */
export interface PinVideo {
  /** HTTP(S) URL the video bytes are fetched from. */
  url: string;
  /** Upstream content hash of the video bytes; null when unknown. The worker keys scores by the sha256 of the bytes it downloads. Default: null. */
  signature: string | null;
  /** Duration in milliseconds as reported upstream; null when unknown. The worker probes the real duration. Default: null. */
  durationMs: number | null;
  /** MIME type as reported upstream (e.g. video/mp4); null when unknown. The worker sniffs the real container. Default: null. */
  mime: string | null;
}

/** A pin was created. Published by the pin service on pins.created.v1, keyed by pin id; the integrity worker reads it and labels the pin. */
export interface PinCreated {
  /** Unique id of this event (UUID). A replayed event keeps its id; labels echo it as sourceEventId. (Avro uuid.) */
  eventId: string;
  /** Id of the pin; the key of every label about it. */
  pinId: string;
  /** Id of the user who created the pin. */
  userId: string;
  /** When the pin was created: milliseconds since the Unix epoch, UTC. (Avro timestamp-millis.) */
  createdAt: number;
  /** Title typed by the user; null when the pin has none. Default: null. */
  title: string | null;
  /** Description typed by the user; null when the pin has none. Default: null. */
  description: string | null;
  /** Destination URL the pin points to; null when the pin has no link. Default: null. */
  link: string | null;
  /** The pin's image; null for a text-only pin. Default: null. */
  image: PinImage | null;
  /** BCP 47 language tag of the pin's text (e.g. en-US); null when unknown. Default: null. */
  locale: string | null;
  /** The pin's video; null for a pin without one (added after v1's first version: older records read as null). Default: null. */
  video: PinVideo | null;
}

/** The Avro schema of PinCreated, as in schemas/pin_created.avsc. */
export const pinCreatedSchema = {
  type: 'record',
  name: 'PinCreated',
  namespace: 'pins',
  doc: 'A pin was created. Published by the pin service on pins.created.v1, keyed by pin id; the integrity worker reads it and labels the pin.',
  fields: [
    {
      name: 'eventId',
      type: { type: 'string', logicalType: 'uuid' },
      doc: 'Unique id of this event (UUID). A replayed event keeps its id; labels echo it as sourceEventId.',
    },
    { name: 'pinId', type: 'string', doc: 'Id of the pin; the key of every label about it.' },
    { name: 'userId', type: 'string', doc: 'Id of the user who created the pin.' },
    {
      name: 'createdAt',
      type: { type: 'long', logicalType: 'timestamp-millis' },
      doc: 'When the pin was created: milliseconds since the Unix epoch, UTC.',
    },
    {
      name: 'title',
      type: ['null', 'string'],
      default: null,
      doc: 'Title typed by the user; null when the pin has none.',
    },
    {
      name: 'description',
      type: ['null', 'string'],
      default: null,
      doc: 'Description typed by the user; null when the pin has none.',
    },
    {
      name: 'link',
      type: ['null', 'string'],
      default: null,
      doc: 'Destination URL the pin points to; null when the pin has no link.',
    },
    {
      name: 'image',
      type: [
        'null',
        {
          type: 'record',
          name: 'PinImage',
          doc: "The pin's image as stored by the pin service.",
          fields: [
            { name: 'url', type: 'string', doc: 'HTTP(S) URL the image bytes are fetched from.' },
            {
              name: 'signature',
              type: ['null', 'string'],
              default: null,
              doc: 'Upstream content hash of the image bytes (the same bytes give the same signature); null when unknown, then the worker hashes the bytes itself.',
            },
            {
              name: 'width',
              type: ['null', 'int'],
              default: null,
              doc: 'Width in pixels as reported upstream; null when unknown.',
            },
            {
              name: 'height',
              type: ['null', 'int'],
              default: null,
              doc: 'Height in pixels as reported upstream; null when unknown.',
            },
            {
              name: 'mime',
              type: ['null', 'string'],
              default: null,
              doc: 'MIME type as reported upstream (e.g. image/jpeg); null when unknown. The worker sniffs the real type.',
            },
          ],
        },
      ],
      default: null,
      doc: "The pin's image; null for a text-only pin.",
    },
    {
      name: 'locale',
      type: ['null', 'string'],
      default: null,
      doc: "BCP 47 language tag of the pin's text (e.g. en-US); null when unknown.",
    },
    {
      name: 'video',
      type: [
        'null',
        {
          type: 'record',
          name: 'PinVideo',
          doc: "The pin's video as stored by the pin service.",
          fields: [
            { name: 'url', type: 'string', doc: 'HTTP(S) URL the video bytes are fetched from.' },
            {
              name: 'signature',
              type: ['null', 'string'],
              default: null,
              doc: 'Upstream content hash of the video bytes; null when unknown. The worker keys scores by the sha256 of the bytes it downloads.',
            },
            {
              name: 'durationMs',
              type: ['null', 'long'],
              default: null,
              doc: 'Duration in milliseconds as reported upstream; null when unknown. The worker probes the real duration.',
            },
            {
              name: 'mime',
              type: ['null', 'string'],
              default: null,
              doc: 'MIME type as reported upstream (e.g. video/mp4); null when unknown. The worker sniffs the real container.',
            },
          ],
        },
      ],
      default: null,
      doc: "The pin's video; null for a pin without one (added after v1's first version: older records read as null).",
    },
  ],
} as const;
