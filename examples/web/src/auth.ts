/**
 * Email + password sign-in against the Cognito user pool in amplify_outputs.json, just enough to get
 * credentials Amplify can sign API requests with: sign in, create an account, confirm it with the
 * emailed code, sign out. Used only in deployed mode (local `pnpm dev` needs no sign-in).
 */
import { confirmSignUp, getCurrentUser, signIn, signOut, signUp } from 'aws-amplify/auth';
import { element } from './dom';
import { describeError } from './api';
import { clearMessage, showMessage } from './message';

/** The signed-in user's name, or undefined when nobody is signed in (getCurrentUser throws then). */
async function currentUser(): Promise<string | undefined> {
  try {
    const user = await getCurrentUser();
    return user.signInDetails?.loginId ?? user.username;
  } catch {
    return undefined;
  }
}

/** Shows who is signed in and a sign-out button (which reloads the page: the simplest clean state). */
function renderSignedIn(section: HTMLElement, user: string): void {
  const signOutButton = element('button', { type: 'button', 'data-testid': 'sign-out' }, 'Sign out');
  signOutButton.addEventListener('click', () => {
    void signOut().then(() => window.location.reload(), (error: unknown) => showMessage('error', describeError(error)));
  });
  section.replaceChildren(element('span', { 'data-testid': 'signed-in-as' }, `Signed in as ${user} `), signOutButton);
  section.hidden = false;
}

/** Resolves once a user is signed in, showing the sign-in form until then. */
export async function ensureSignedIn(section: HTMLElement): Promise<void> {
  const existing = await currentUser();
  if (existing) {
    renderSignedIn(section, existing);
    return;
  }

  await new Promise<void>((resolve) => {
    const form = element('form', { 'data-testid': 'sign-in-form', class: 'sign-in' });
    const email = element('input', { type: 'email', name: 'email', placeholder: 'Email', autocomplete: 'username', required: '', 'data-testid': 'email' });
    const password = element('input', { type: 'password', name: 'password', placeholder: 'Password', autocomplete: 'current-password', required: '', 'data-testid': 'password' });
    const signInButton = element('button', { type: 'submit', 'data-testid': 'sign-in' }, 'Sign in');
    const signUpButton = element('button', { type: 'button', 'data-testid': 'sign-up' }, 'Create account');
    const code = element('input', { name: 'code', placeholder: 'Code from the email', autocomplete: 'one-time-code', 'data-testid': 'confirm-code', hidden: '' });
    const confirmButton = element('button', { type: 'button', 'data-testid': 'confirm', hidden: '' }, 'Confirm');
    form.append(email, password, signInButton, signUpButton, code, confirmButton);
    section.replaceChildren(form);
    section.hidden = false;

    const finish = async (): Promise<void> => {
      clearMessage();
      renderSignedIn(section, (await currentUser()) ?? email.value);
      resolve();
    };
    // One handler wrapper: every step reports its failure on the status line and stays on the form.
    const step = (action: () => Promise<void>) => () => void action().catch((error: unknown) => showMessage('error', describeError(error)));

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      step(async () => {
        const result = await signIn({ username: email.value, password: password.value });
        if (result.isSignedIn) return finish();
        if (result.nextStep.signInStep === 'CONFIRM_SIGN_UP') {
          code.hidden = confirmButton.hidden = false;
          showMessage('info', 'Enter the code sent to your email to confirm the account.');
          return;
        }
        // MFA, new-password challenges, …: out of scope for this minimal example.
        showMessage('error', `Sign-in needs a step this example does not handle: ${result.nextStep.signInStep}`);
      })();
    });
    signUpButton.addEventListener(
      'click',
      step(async () => {
        const result = await signUp({ username: email.value, password: password.value, options: { userAttributes: { email: email.value } } });
        if (result.nextStep.signUpStep === 'CONFIRM_SIGN_UP') {
          code.hidden = confirmButton.hidden = false;
          showMessage('info', 'Account created: enter the code sent to your email.');
          return;
        }
        const signedIn = await signIn({ username: email.value, password: password.value });
        if (signedIn.isSignedIn) await finish();
      }),
    );
    confirmButton.addEventListener(
      'click',
      step(async () => {
        await confirmSignUp({ username: email.value, confirmationCode: code.value.trim() });
        // Confirmed: sign in with the password just typed, so the user does not have to.
        const signedIn = await signIn({ username: email.value, password: password.value });
        if (signedIn.isSignedIn) await finish();
      }),
    );
  });
}
