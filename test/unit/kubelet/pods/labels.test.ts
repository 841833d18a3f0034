import test from 'ava';
import { containerHash } from '../../../../src/kubelet/pods/labels.js';

test('the container hash ignores key order and changes with the image', (t) => {
  t.is(containerHash({ name: 'a', image: 'x' }), containerHash({ image: 'x', name: 'a' }));
  t.not(containerHash({ name: 'a', image: 'x' }), containerHash({ name: 'a', image: 'y' }));
});
