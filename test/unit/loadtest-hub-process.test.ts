import { expect } from 'chai';
import { parseNodeScript, productHubCommand } from '../../loadtest/hub-process.js';

describe('how the bench starts the hub (loadtest/hub-process.ts)', () => {
  it('when the start script runs node with flags, then the flags, the entry point and the environment are read apart', () => {
    expect(parseNodeScript('exec node --enable-source-maps --min-semi-space-size=64 --require tsx/cjs infra/main.ts')).to.deep.equal({
      nodeArgs: ['--enable-source-maps', '--min-semi-space-size=64', '--require', 'tsx/cjs'],
      entry: 'infra/main.ts',
      env: {},
    });
    expect(parseNodeScript('npm run build && ROLE=hub node -r tsx/cjs infra/hub.ts --verbose')).to.deep.equal({ nodeArgs: ['-r', 'tsx/cjs'], entry: 'infra/hub.ts', env: { ROLE: 'hub' } });
  });

  it('when a script runs no node itself, then there is no command', () => {
    expect(parseNodeScript('npm run start -- --role hub')).to.equal(null);
  });

  it("when read from this checkout's package.json, then the hub runs the product's entry point with its flags and ROLE=hub", () => {
    const cmd = productHubCommand();
    expect(cmd.env.ROLE).to.equal('hub');
    expect(cmd.nodeArgs).to.include('--min-semi-space-size=64');
    expect(cmd.nodeArgs).to.include('tsx/cjs');
    expect(cmd.entry).to.match(/\.ts$/);
  });
});
