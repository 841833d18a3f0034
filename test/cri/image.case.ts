import { runPod, startContainer, waitForLog, type RegisterCases } from './suite.js';

// cri-tools validate/image.go: pull by tag and by digest, list, status, remove (twice),
// and the failures. The refs pulled and removed here are used by no other case.
export const imageCases: RegisterCases = (test, fx) => {
  for (const [format, pick] of [['OCI', 'removable'], ['docker v2 schema 2', 'busyboxDocker']] as const) {
    test(`image (${format}): pull by tag, list, status, pull by digest, remove twice`, async (t) => {
      const { image } = fx().cri;
      const ref = fx().images[pick];
      const pulled = await image.pullImage({ image: { image: ref } });
      t.truthy(pulled.imageRef);
      const status = (await image.imageStatus({ image: { image: ref } })).image;
      t.truthy(status, 'present after the pull');
      t.is(status!.id, pulled.imageRef);
      t.true(status!.repoTags.includes(ref));
      t.true(Number(status!.size) > 0);
      const digestRef = status!.repoDigests.find((d) => d.startsWith(ref.split(':').slice(0, -1).join(':') + '@sha256:'));
      t.truthy(digestRef, `a repo digest for ${ref}: ${status!.repoDigests}`);
      const listed = (await image.listImages({})).images.find((i) => i.id === status!.id);
      t.truthy(listed);
      t.true(listed!.repoTags.includes(ref));
      t.is(listed!.size, status!.size);

      const byDigest = await image.pullImage({ image: { image: digestRef! } });
      t.is(byDigest.imageRef, pulled.imageRef, 'the same image by digest');
      t.truthy((await image.imageStatus({ image: { image: digestRef! } })).image);

      await image.removeImage({ image: { image: ref } });
      t.is((await image.imageStatus({ image: { image: ref } })).image, null, 'gone after RemoveImage');
      await image.removeImage({ image: { image: pulled.imageRef } });
      t.is((await image.imageStatus({ image: { image: digestRef! } })).image, null);
      await t.notThrowsAsync(image.removeImage({ image: { image: ref } }), 'removing an absent image succeeds');
    });
  }

  test('an image whose top layer ends right after its data (umoci 0.4.7 insert) pulls and runs', async (t) => {
    const ref = fx().images.inserted;
    await fx().cri.image.pullImage({ image: { image: ref } });
    const pod = await runPod(t, fx());
    const id = await startContainer(t, fx(), pod, { command: ['/bin/cat', '/etc/inserted'], image: { image: ref } });
    await waitForLog(fx(), id, 'inserted by umoci');
    t.pass();
  });

  test('ImageStatus of an image never pulled is null', async (t) => {
    const { image } = await fx().cri.image.imageStatus({ image: { image: fx().images.missing } });
    t.is(image, null);
  });

  test('pulling an image the registry lacks fails and stores nothing', async (t) => {
    const { cri, images } = fx();
    await t.throwsAsync(cri.image.pullImage({ image: { image: images.missing } }));
    t.is((await cri.image.imageStatus({ image: { image: images.missing } })).image, null);
  });

  test('ImageStatus reports the image user (httpd runs as uid 1000)', async (t) => {
    const { cri, images } = fx();
    await cri.image.pullImage({ image: { image: images.httpd } });
    const { image } = await cri.image.imageStatus({ image: { image: images.httpd } });
    t.is(image?.uid?.value, '1000');
    t.is(image?.username, '');
  });

  test('ImageFsInfo names a filesystem with its usage', async (t) => {
    const { imageFilesystems } = await fx().cri.image.imageFsInfo({});
    t.true(imageFilesystems.length > 0);
    t.truthy(imageFilesystems[0]!.fsId?.mountpoint);
    t.truthy(imageFilesystems[0]!.usedBytes);
  });
};
