/**
 * The fixture images (test/fixtures/images, origins in its README) that decode to a scorable picture:
 * real photos, rendered drawings and odd-but-valid encodings. Broken ones are named by each test.
 */
export const SCORABLE_IMAGES = [
  'photo-astronaut.jpg',
  'photo-camera.png',
  'photo-chelsea.jpg',
  'photo-china.jpg',
  'photo-coffee.jpg',
  'photo-coins.png',
  'photo-flower.jpg',
  'photo-grace-hopper.jpg',
  'photo-hubble.jpg',
  'photo-retina.jpg',
  'photo-rocket.jpg',
  'drawing-chart.png',
  'drawing-house.png',
  'drawing-smiley.png',
  'odd-alpha.png',
  'odd-exif-rotated.jpg',
  'odd-grayscale.jpg',
  'odd-webp.webp',
  'odd-animated.gif',
  'odd-cmyk.jpg',
] as const;
