// Entry of the PSA admin UI: the catalogues first, then the app.
import { initI18n } from '../../i18n/index.js';
import { mount } from '../../shared/mount.js';
import { App } from './App.js';
import '../../shared/styles.css';

mount(await initI18n(), <App />);
