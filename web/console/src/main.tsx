// Entry of the console UI: the catalogues first, then the app.
import { initConsoleI18n } from '../../i18n/console.js';
import { mount } from '../../shared/mount.js';
import { App } from './App.js';
import '../../shared/styles.css';
import './console.css';

mount(await initConsoleI18n(), <App />);
