/** The 16 VGG19 convolutions in network order (Gatys/Caffe names); a pool follows the last conv of each block. */
export const VGG19_CONV_NAMES = [
  'conv1_1',
  'conv1_2',
  'conv2_1',
  'conv2_2',
  'conv3_1',
  'conv3_2',
  'conv3_3',
  'conv3_4',
  'conv4_1',
  'conv4_2',
  'conv4_3',
  'conv4_4',
  'conv5_1',
  'conv5_2',
  'conv5_3',
  'conv5_4',
] as const;

export type Vgg19LayerName = (typeof VGG19_CONV_NAMES)[number];
